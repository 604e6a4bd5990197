// Built inside the OLM wrapper module by hack/build-olm.sh, with the Helm library of that module; this go.mod only
// keeps the operator module from compiling it.
module gsts.local/olm-manifests

go 1.26
