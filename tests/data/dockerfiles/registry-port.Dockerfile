FROM localhost:5000/team/base AS a
FROM localhost:5000/team/base:2.1 AS b
FROM registry.example.com:8443/platform/runtime:latest
USER 10001
