/*
Copyright 2026 The GameStatefulSet Operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Command bundlegen writes the OLM bundle from `kustomize build config/manifests` on stdin, as
// `operator-sdk generate bundle` does: the ClusterServiceVersion gets its install strategy (the Deployment, and the
// Roles and ClusterRoles bound to its service account as permissions and clusterPermissions), its version, image
// and alm-examples; the CRD and the other objects become files of bundle/manifests; the scorecard configuration
// goes to bundle/tests/scorecard; bundle/metadata/annotations.yaml names the package and channels. The output
// depends only on its input, so `make bundle` is reproducible.
//
// It also writes bundle.Dockerfile, whose labels repeat annotations.yaml, and, with -replaces, the upgrade edge
// from the previous release: spec.replaces and an olm.skipRange annotation covering every version in between.
//
// usage: kustomize build config/manifests | bundlegen -version 0.2.0 -replaces 0.1.0 -image IMG \
//
//	-channels candidate,fast -default-channel fast -out bundle -dockerfile bundle.Dockerfile
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

type object = map[string]any

func main() {
	version := flag.String("version", "", "bundle version (semver, no v)")
	image := flag.String("image", "", "operator image")
	channels := flag.String("channels", "alpha", "comma-separated channels")
	defaultChannel := flag.String("default-channel", "alpha", "default channel")
	pkg := flag.String("package", "gamestatefulset-operator", "package name")
	out := flag.String("out", "bundle", "bundle folder")
	dockerfile := flag.String("dockerfile", "bundle.Dockerfile", "bundle image Dockerfile to write")
	replaces := flag.String("replaces", "", "the release this one upgrades (semver, no v); empty for the first")
	scorecardImage := flag.String("scorecard-image", "", "image of this project's scorecard tests, set on every test of that repository")
	flag.Parse()
	if *version == "" || *image == "" {
		fail(errors.New("-version and -image are required"))
	}
	objects, err := decodeAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	release := release{pkg: *pkg, version: *version, replaces: *replaces, image: *image, channels: *channels,
		defaultChannel: *defaultChannel, scorecardImage: *scorecardImage}
	if err := write(objects, *out, release); err != nil {
		fail(err)
	}
	if err := writeDockerfile(*dockerfile, *out, bundleAnnotations(release)); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bundlegen:", err)
	os.Exit(1)
}

func decodeAll(r io.Reader) ([]object, error) {
	decoder := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	var objects []object
	for {
		var o object
		err := decoder.Decode(&o)
		if errors.Is(err, io.EOF) {
			return objects, nil
		}
		if err != nil {
			return nil, err
		}
		if len(o) > 0 {
			objects = append(objects, o)
		}
	}
}

func str(o object, path ...string) string {
	v, _ := dig(o, path...).(string)
	return v
}

func dig(o any, path ...string) any {
	for _, p := range path {
		m, ok := o.(map[string]any)
		if !ok {
			return nil
		}
		o = m[p]
	}
	return o
}

func kind(o object) string { return str(o, "kind") }
func name(o object) string { return str(o, "metadata", "name") }

// release is what a bundle says about itself: package, version, upgrade edge, image and channels.
type release struct {
	pkg, version, replaces, image, channels, defaultChannel, scorecardImage string
}

func write(objects []object, out string, r release) error {
	pkg, version, image := r.pkg, r.version, r.image
	var csv object
	var deployments, samples, webhookConfigs, rest []object
	roles := map[string]object{}
	var bindings []object
	var serviceAccount string
	for _, o := range objects {
		// every object of the operator's own API in config/samples is an example for the console
		if strings.HasPrefix(str(o, "apiVersion"), "tkex.tencent.com/") {
			samples = append(samples, o)
			continue
		}
		switch kind(o) {
		case "ClusterServiceVersion":
			csv = o
		case "Deployment":
			deployments = append(deployments, o)
		case "Role", "ClusterRole":
			roles[kind(o)+"/"+name(o)] = o
		case "RoleBinding", "ClusterRoleBinding":
			bindings = append(bindings, o)
		case "ServiceAccount":
			serviceAccount = name(o)
		case "Namespace":
			// OLM installs into the namespace of the OperatorGroup
		case "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration":
			webhookConfigs = append(webhookConfigs, o)
		case "Certificate", "Issuer":
			// OLM issues and rotates the webhook's certificate itself
		default:
			rest = append(rest, o)
		}
	}
	if csv == nil || len(deployments) != 1 || serviceAccount == "" {
		return fmt.Errorf("want one ClusterServiceVersion, one Deployment and one ServiceAccount, got %v, %d, %q", csv != nil, len(deployments), serviceAccount)
	}

	// the roles bound to the operator's service account become the CSV's permissions; the others stay objects
	var permissions, clusterPermissions []any
	used := map[string]bool{}
	sort.Slice(bindings, func(i, j int) bool { return name(bindings[i]) < name(bindings[j]) })
	for _, b := range bindings {
		subjects, _ := b["subjects"].([]any)
		boundToOperator := false
		for _, s := range subjects {
			if str(s.(object), "kind") == "ServiceAccount" && str(s.(object), "name") == serviceAccount {
				boundToOperator = true
			}
		}
		if !boundToOperator {
			rest = append(rest, b)
			continue
		}
		roleKey := str(b, "roleRef", "kind") + "/" + str(b, "roleRef", "name")
		role, ok := roles[roleKey]
		if !ok {
			return fmt.Errorf("%s %s binds the missing %s", kind(b), name(b), roleKey)
		}
		used[roleKey] = true
		entry := object{"serviceAccountName": serviceAccount, "rules": role["rules"]}
		if kind(b) == "RoleBinding" {
			permissions = append(permissions, entry)
		} else {
			clusterPermissions = append(clusterPermissions, entry)
		}
	}
	roleKeys := make([]string, 0, len(roles))
	for k := range roles {
		roleKeys = append(roleKeys, k)
	}
	sort.Strings(roleKeys)
	for _, k := range roleKeys {
		if !used[k] {
			rest = append(rest, roles[k])
		}
	}

	deployment := deployments[0]
	webhooks, webhookServices := webhookDefinitions(webhookConfigs, name(deployment))
	rest = withoutObjects(rest, "Service", webhookServices)
	withoutCertificateVolume(deployment)
	containers, _ := dig(deployment, "spec", "template", "spec", "containers").([]any)
	for _, c := range containers {
		if str(c.(object), "name") == "manager" {
			c.(object)["image"] = image
		}
	}
	spec := csv["spec"].(object)
	metadata := csv["metadata"].(object)
	metadata["name"] = pkg + ".v" + version
	delete(metadata, "namespace")
	spec["version"] = version
	annotations, _ := metadata["annotations"].(object)
	if annotations == nil {
		annotations = object{}
		metadata["annotations"] = annotations
	}
	annotations["containerImage"] = image
	examples, err := json.MarshalIndent(samples, "", "  ")
	if err != nil {
		return err
	}
	annotations["alm-examples"] = string(examples)
	if r.replaces != "" {
		spec["replaces"] = pkg + ".v" + r.replaces
		// lets a cluster on any release since the replaced one upgrade straight to this one
		annotations["olm.skipRange"] = fmt.Sprintf(">=%s <%s", r.replaces, version)
	}
	install := object{"deployments": []any{object{
		"name":  name(deployment),
		"label": dig(deployment, "metadata", "labels"),
		"spec":  deployment["spec"],
	}}}
	if len(permissions) > 0 {
		install["permissions"] = permissions
	}
	if len(clusterPermissions) > 0 {
		install["clusterPermissions"] = clusterPermissions
	}
	spec["install"] = object{"strategy": "deployment", "spec": install}
	if len(webhooks) > 0 {
		spec["webhookdefinitions"] = webhooks
	}
	spec["relatedImages"] = []any{object{"name": "manager", "image": image}}

	manifests := filepath.Join(out, "manifests")
	if err := os.RemoveAll(manifests); err != nil {
		return err
	}
	for _, dir := range []string{manifests, filepath.Join(out, "metadata"), filepath.Join(out, "tests", "scorecard")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	if err := writeYAML(filepath.Join(manifests, pkg+".clusterserviceversion.yaml"), csv); err != nil {
		return err
	}
	for _, o := range rest {
		path := filepath.Join(manifests, fileName(o))
		if kind(o) == "Configuration" {
			path = filepath.Join(out, "tests", "scorecard", "config.yaml")
			setTestImage(o, r.scorecardImage)
		}
		if md, ok := o["metadata"].(object); ok && kind(o) != "Configuration" {
			// OLM places namespaced objects in the install namespace
			delete(md, "namespace")
		}
		if err := writeYAML(path, o); err != nil {
			return err
		}
	}
	return writeYAML(filepath.Join(out, "metadata", "annotations.yaml"), object{"annotations": bundleAnnotations(r)})
}

func bundleAnnotations(r release) object {
	return object{
		"operators.operatorframework.io.bundle.mediatype.v1":       "registry+v1",
		"operators.operatorframework.io.bundle.manifests.v1":       "manifests/",
		"operators.operatorframework.io.bundle.metadata.v1":        "metadata/",
		"operators.operatorframework.io.bundle.package.v1":         r.pkg,
		"operators.operatorframework.io.bundle.channels.v1":        r.channels,
		"operators.operatorframework.io.bundle.channel.default.v1": r.defaultChannel,
		"operators.operatorframework.io.metrics.builder":           "gamestatefulset-bundlegen",
		"operators.operatorframework.io.metrics.mediatype.v1":      "metrics+v1",
		"operators.operatorframework.io.metrics.project_layout":    "go.kubebuilder.io/v4",
		"operators.operatorframework.io.test.mediatype.v1":         "scorecard+v1",
		"operators.operatorframework.io.test.config.v1":            "tests/scorecard/",
	}
}

// writeDockerfile writes the bundle image's Dockerfile: the image carries annotations.yaml's entries as labels,
// which is how registries and opm find the package and channels without unpacking it.
func writeDockerfile(path, bundleDir string, annotations object) error {
	keys := make([]string, 0, len(annotations))
	for k := range annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# Generated by `make bundle` from config/ and VERSION; do not edit.\nFROM scratch\n\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "LABEL %s=%s\n", k, annotations[k])
	}
	b.WriteString("\n")
	for _, dir := range []struct{ from, to string }{{"manifests", "/manifests/"}, {"metadata", "/metadata/"},
		{"tests/scorecard", "/tests/scorecard/"}} {
		fmt.Fprintf(&b, "COPY %s %s\n", filepath.ToSlash(filepath.Join(bundleDir, dir.from)), dir.to)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// webhookCertSecret is the secret cert-manager fills and config/default mounts; OLM mounts its own certificate.
const webhookCertSecret = "webhook-server-cert"

// webhookDefinitions turns webhook configurations into the CSV's webhookdefinitions, as operator-sdk does: OLM
// creates the Service, the certificate and the configuration itself. It also names the Services the
// configurations called, which the bundle leaves out.
func webhookDefinitions(configs []object, deploymentName string) (definitions []any, services map[string]bool) {
	services = map[string]bool{}
	sort.Slice(configs, func(i, j int) bool { return name(configs[i]) < name(configs[j]) })
	for _, config := range configs {
		kind := "ValidatingAdmissionWebhook"
		if str(config, "kind") == "MutatingWebhookConfiguration" {
			kind = "MutatingAdmissionWebhook"
		}
		hooks, _ := config["webhooks"].([]any)
		for _, h := range hooks {
			hook := h.(object)
			services[str(hook, "clientConfig", "service", "name")] = true
			definition := object{
				"type":                    kind,
				"generateName":            str(hook, "name"),
				"deploymentName":          deploymentName,
				"containerPort":           443,
				"targetPort":              9443,
				"webhookPath":             str(hook, "clientConfig", "service", "path"),
				"admissionReviewVersions": hook["admissionReviewVersions"],
				"failurePolicy":           hook["failurePolicy"],
				"sideEffects":             hook["sideEffects"],
				"rules":                   hook["rules"],
			}
			for _, optional := range []string{"matchPolicy", "objectSelector", "timeoutSeconds", "reinvocationPolicy"} {
				if v, ok := hook[optional]; ok {
					definition[optional] = v
				}
			}
			definitions = append(definitions, definition)
		}
	}
	return definitions, services
}

func withoutObjects(objects []object, kindName string, names map[string]bool) []object {
	var kept []object
	for _, o := range objects {
		if kind(o) != kindName || !names[name(o)] {
			kept = append(kept, o)
		}
	}
	return kept
}

// withoutCertificateVolume removes the webhook certificate's volume and mounts: OLM adds its own.
func withoutCertificateVolume(deployment object) {
	podSpec, _ := dig(deployment, "spec", "template", "spec").(object)
	volumes, _ := podSpec["volumes"].([]any)
	removed := map[string]bool{}
	var keptVolumes []any
	for _, v := range volumes {
		if str(v.(object), "secret", "secretName") == webhookCertSecret {
			removed[str(v.(object), "name")] = true
			continue
		}
		keptVolumes = append(keptVolumes, v)
	}
	if len(keptVolumes) == 0 {
		delete(podSpec, "volumes")
	} else {
		podSpec["volumes"] = keptVolumes
	}
	containers, _ := podSpec["containers"].([]any)
	for _, c := range containers {
		container := c.(object)
		mounts, _ := container["volumeMounts"].([]any)
		var kept []any
		for _, m := range mounts {
			if !removed[str(m.(object), "name")] {
				kept = append(kept, m)
			}
		}
		if len(kept) == 0 {
			delete(container, "volumeMounts")
		} else {
			container["volumeMounts"] = kept
		}
	}
}

// setTestImage points the scorecard tests of image's repository at image (the release's tag).
func setTestImage(config object, image string) {
	repository, _, _ := strings.Cut(image, ":")
	stages, _ := config["stages"].([]any)
	for _, stage := range stages {
		tests, _ := dig(stage, "tests").([]any)
		for _, test := range tests {
			if current, _, _ := strings.Cut(str(test.(object), "image"), ":"); image != "" && current == repository {
				test.(object)["image"] = image
			}
		}
	}
}

// fileName names a manifest as operator-sdk does: the CRD by its name, others name_group_version_kind.
func fileName(o object) string {
	if kind(o) == "CustomResourceDefinition" {
		return strings.ReplaceAll(name(o), ".", "_") + ".yaml"
	}
	parts := []string{name(o)}
	if group, version, found := strings.Cut(str(o, "apiVersion"), "/"); found {
		parts = append(parts, strings.ReplaceAll(group, ".", "_"), version)
	} else {
		parts = append(parts, group)
	}
	return strings.Join(append(parts, strings.ToLower(kind(o))), "_") + ".yaml"
}

func writeYAML(path string, o any) error {
	raw, err := yaml.Marshal(o)
	if err != nil {
		return err
	}
	return os.WriteFile(path, bytes.TrimLeft(raw, "\n"), 0o644)
}
