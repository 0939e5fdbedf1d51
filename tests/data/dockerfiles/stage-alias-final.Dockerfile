FROM alpine:3.20 AS base
RUN apk add --no-cache ca-certificates
USER root

FROM base
COPY app /usr/local/bin/app
USER root:root
ENTRYPOINT ["app"]
