// Built in its own wrapper module by hack/build-k8s-binaries.sh (component coredns); this go.mod only keeps the
// operator module from compiling it.
module gsts.local/coredns

go 1.26
