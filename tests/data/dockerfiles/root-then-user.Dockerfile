FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4
USER root
RUN microdnf install -y shadow-utils && microdnf clean all \
    && useradd -u 1001 -r -g 0 app
USER 1001
