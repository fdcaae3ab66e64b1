# kvlog node image: built from source in a Maven stage, run on a JRE.
# Build:  docker build -t kvlog-node .      (docker-compose.yml builds it for you)

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# poms first, so the dependency download is cached while sources change
COPY pom.xml ./
COPY protocol/pom.xml protocol/
COPY kafka/pom.xml kafka/
COPY local-cluster/pom.xml local-cluster/
COPY http/pom.xml http/
COPY materializer/pom.xml materializer/
COPY writer-service/pom.xml writer-service/
COPY query-service/pom.xml query-service/
COPY node/pom.xml node/
COPY cli/pom.xml cli/
COPY . .
RUN mvn -B -q -DskipTests -pl node -am package \
 && mvn -B -q -pl node dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/out/lib \
 && cp node/target/kvlog-node-*.jar /out/lib/

FROM eclipse-temurin:17-jre
# curl for the health check
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/lib /opt/kvlog/lib
RUN useradd --system --home /var/lib/kvlog kvlog && mkdir -p /var/lib/kvlog/state && chown -R kvlog /var/lib/kvlog
USER kvlog
ENV KV_PORT=8080 \
    KV_STATE_DIR=/var/lib/kvlog/state \
    JAVA_OPTS="-Xmx512m -XX:+UseG1GC"
EXPOSE 8080
VOLUME /var/lib/kvlog/state
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS "http://${KV_HOST:-127.0.0.1}:${KV_PORT}/v1/ready" || exit 1
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -Dlog4j2.configurationFile=log4j2-node.xml -cp '/opt/kvlog/lib/*' io.kvlog.node.NodeMain \"$@\"", "kvlog-node"]
