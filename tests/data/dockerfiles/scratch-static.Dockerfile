FROM golang:1.22 AS build
COPY . /src
RUN cd /src && CGO_ENABLED=0 go build -o /app .
FROM scratch
COPY --from=build /app /app
USER 65534
ENTRYPOINT ["/app"]
