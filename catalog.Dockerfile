# The catalog image (`make catalog-build`): opm serves the file-based catalog under /configs, as
# `opm generate dockerfile catalog` writes it.
FROM quay.io/operator-framework/opm:v1.69.0
ENTRYPOINT ["/bin/opm"]
CMD ["serve", "/configs", "--cache-dir=/tmp/cache"]
ADD catalog /configs
RUN ["/bin/opm", "serve", "/configs", "--cache-dir=/tmp/cache", "--cache-only"]
LABEL operators.operatorframework.io.index.configs.v1=/configs
