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

package olminstall

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/gomega"
	"github.com/operator-framework/api/pkg/operators/v1alpha1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// bundle is what bundle/manifests holds: the ClusterServiceVersion, the CRDs and the other objects.
type bundle struct {
	csv    *v1alpha1.ClusterServiceVersion
	crds   []*apiextensionsv1.CustomResourceDefinition
	others []*unstructured.Unstructured
}

func readBundle(dir string) bundle {
	var b bundle
	paths, err := filepath.Glob(filepath.Join(dir, "manifests", "*.yaml"))
	Expect(err).NotTo(HaveOccurred())
	for _, path := range paths {
		f, err := os.Open(path)
		Expect(err).NotTo(HaveOccurred())
		decoder := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
		for {
			var u unstructured.Unstructured
			err := decoder.Decode(&u.Object)
			if errors.Is(err, io.EOF) {
				break
			}
			Expect(err).NotTo(HaveOccurred(), path)
			switch u.GetKind() {
			case "ClusterServiceVersion":
				b.csv = &v1alpha1.ClusterServiceVersion{}
				Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, b.csv)).To(Succeed())
			case "CustomResourceDefinition":
				crd := &apiextensionsv1.CustomResourceDefinition{}
				Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, crd)).To(Succeed())
				b.crds = append(b.crds, crd)
			default:
				b.others = append(b.others, &u)
			}
		}
		Expect(f.Close()).To(Succeed())
	}
	Expect(b.csv).NotTo(BeNil(), "a ClusterServiceVersion in %s/manifests", dir)
	return b
}

// installation is the operator installed from a bundle into namespace, for an OperatorGroup whose target
// namespaces are targets (none: all namespaces).
type installation struct {
	bundle    bundle
	namespace string
	targets   []string
	// cluster-scoped objects it created, removed by uninstall
	clusterObjects []client.Object
	// webhookSecret holds the webhook's serving certificate; empty without webhooks
	webhookSecret string
}

// install does what OLM's install strategy does with an approved InstallPlan: the CRDs, a ServiceAccount per
// serviceAccountName, the CSV's permissions as Roles in the operator's namespace and in every target namespace
// (ClusterRoles when it targets all namespaces), its clusterPermissions as ClusterRoles, the other manifests, and
// the Deployment with the OperatorGroup's annotations. The only change is the operator image, built here.
func install(b bundle, namespace string, targets []string) *installation {
	in := &installation{bundle: b, namespace: namespace, targets: targets}
	for _, ns := range append([]string{namespace}, targets...) {
		ensureNamespace(ns)
	}
	for _, crd := range b.crds {
		crd = crd.DeepCopy()
		createOrUpdate(crd)
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(crd), crd)).To(Succeed())
			established := false
			for _, c := range crd.Status.Conditions {
				established = established || (c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue)
			}
			g.Expect(established).To(BeTrue(), "CRD %s established", crd.Name)
		}).Should(Succeed())
	}
	spec := b.csv.Spec.InstallStrategy.StrategySpec
	accounts := map[string]bool{}
	for _, d := range spec.DeploymentSpecs {
		accounts[d.Spec.Template.Spec.ServiceAccountName] = true
	}
	for i, p := range spec.Permissions {
		accounts[p.ServiceAccountName] = true
		name := in.roleName("permissions", i)
		if len(targets) == 0 {
			in.bindClusterRole(name, p)
		}
		for _, ns := range uniq(append([]string{namespace}, targets...)) {
			createOrUpdate(&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Rules: p.Rules})
			createOrUpdate(&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
				Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: p.ServiceAccountName, Namespace: namespace}}})
		}
	}
	for i, p := range spec.ClusterPermissions {
		accounts[p.ServiceAccountName] = true
		in.bindClusterRole(in.roleName("clusterpermissions", i), p)
	}
	for account := range accounts {
		createOrUpdate(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: account, Namespace: namespace}})
	}
	for _, o := range b.others {
		o = o.DeepCopy()
		if o.GetKind() == "ClusterRole" || o.GetKind() == "ClusterRoleBinding" {
			in.clusterObjects = append(in.clusterObjects, o)
		} else {
			o.SetNamespace(namespace)
		}
		createOrUpdate(o)
	}
	in.webhookSecret = in.installWebhooks()
	for _, d := range spec.DeploymentSpecs {
		createOrUpdate(in.deployment(d, b.csv.Name))
	}
	return in
}

// webhookCertMount is where OLM mounts a webhook's serving certificate, the folder controller-runtime reads.
const webhookCertMount = "/tmp/k8s-webhook-server/serving-certs"

// installWebhooks does what OLM does with the CSV's webhookdefinitions: a Service per deployment, a CA and serving
// certificate in a Secret, and the webhook configuration with that CA, limited to the OperatorGroup's namespaces.
// It returns the Secret's name, or "" when the CSV has no webhook.
func (in *installation) installWebhooks() string {
	definitions := in.bundle.csv.Spec.WebhookDefinitions
	if len(definitions) == 0 {
		return ""
	}
	var selector *metav1.LabelSelector
	if len(in.targets) > 0 {
		selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key: corev1.LabelMetadataName, Operator: metav1.LabelSelectorOpIn, Values: in.targets}}}
	}
	service := definitions[0].DomainName() + "-service"
	caPEM, certPEM, keyPEM := servingCertificate(service + "." + in.namespace + ".svc")
	secret := service + "-cert"
	createOrUpdate(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secret, Namespace: in.namespace},
		Type: corev1.SecretTypeTLS, Data: map[string][]byte{corev1.TLSCertKey: certPEM, corev1.TLSPrivateKeyKey: keyPEM}})
	var podSelector map[string]string
	for _, d := range in.bundle.csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs {
		if d.Name == definitions[0].DeploymentName {
			podSelector = d.Spec.Selector.MatchLabels
		}
	}
	var ports []corev1.ServicePort
	seen := map[int32]bool{}
	for _, w := range definitions {
		if !seen[w.ContainerPort] {
			seen[w.ContainerPort] = true
			ports = append(ports, corev1.ServicePort{Name: fmt.Sprint(w.ContainerPort), Port: w.ContainerPort,
				TargetPort: *w.TargetPort})
		}
	}
	createOrUpdate(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: service, Namespace: in.namespace},
		Spec: corev1.ServiceSpec{Selector: podSelector, Ports: ports}})
	for _, w := range definitions {
		Expect(w.Type).To(Equal(v1alpha1.ValidatingAdmissionWebhook), "the bundle declares validating webhooks only")
		configuration := &admissionregistrationv1.ValidatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: w.GenerateName + "-" + in.namespace},
			Webhooks:   []admissionregistrationv1.ValidatingWebhook{w.GetValidatingWebhook(in.namespace, selector, caPEM)},
		}
		createOrUpdate(configuration)
		in.clusterObjects = append(in.clusterObjects, configuration)
	}
	return secret
}

// withWebhookCert mounts the webhook certificate into the manager, as OLM does.
func (in *installation) withWebhookCert(deployment *appsv1.Deployment, secret string) *appsv1.Deployment {
	if secret == "" {
		return deployment
	}
	podSpec := &deployment.Spec.Template.Spec
	podSpec.Volumes = append(podSpec.Volumes, corev1.Volume{Name: "webhook-cert", VolumeSource: corev1.VolumeSource{
		Secret: &corev1.SecretVolumeSource{SecretName: secret}}})
	for i := range podSpec.Containers {
		podSpec.Containers[i].VolumeMounts = append(podSpec.Containers[i].VolumeMounts,
			corev1.VolumeMount{Name: "webhook-cert", MountPath: webhookCertMount, ReadOnly: true})
	}
	return deployment
}

// servingCertificate is a CA and a certificate it signed for dnsName, PEM-encoded.
func servingCertificate(dnsName string) (caPEM, certPEM, keyPEM []byte) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	caTemplate := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "olm-style-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	Expect(err).NotTo(HaveOccurred())
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	template := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: dnsName}, DNSNames: []string{dnsName},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	certDER, err := x509.CreateCertificate(rand.Reader, template, caTemplate, &key.PublicKey, caKey)
	Expect(err).NotTo(HaveOccurred())
	keyDER, err := x509.MarshalECPrivateKey(key)
	Expect(err).NotTo(HaveOccurred())
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// roleName is unique per CSV and permission, as OLM's generated names are.
func (in *installation) roleName(kind string, i int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%s/%d", in.namespace, in.bundle.csv.Name, kind, i)))
	return in.bundle.csv.Name + "-" + hex.EncodeToString(sum[:])[:10]
}

func (in *installation) bindClusterRole(name string, p v1alpha1.StrategyDeploymentPermissions) {
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: p.Rules}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: p.ServiceAccountName, Namespace: in.namespace}}}
	createOrUpdate(role)
	createOrUpdate(binding)
	in.clusterObjects = append(in.clusterObjects, role, binding)
}

// deployment is the CSV's deployment as OLM creates it for csvName: the OperatorGroup's annotations on the pod
// template (the operator reads olm.targetNamespaces), owner labels, and the image built here.
func (in *installation) deployment(d v1alpha1.StrategyDeploymentSpec, csvName string) *appsv1.Deployment {
	deployment := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: d.Name, Namespace: in.namespace,
		Labels: map[string]string{"olm.owner": csvName, "olm.owner.kind": "ClusterServiceVersion", "olm.owner.namespace": in.namespace}},
		Spec: *d.Spec.DeepCopy()}
	for k, v := range d.Label {
		deployment.Labels[k] = v
	}
	template := &deployment.Spec.Template
	if template.Annotations == nil {
		template.Annotations = map[string]string{}
	}
	template.Annotations["olm.targetNamespaces"] = strings.Join(in.targets, ",")
	template.Annotations["olm.operatorNamespace"] = in.namespace
	template.Annotations["olm.operatorGroup"] = "gamestatefulset-operator"
	template.Annotations["olm.csv"] = csvName
	for i := range template.Spec.Containers {
		if template.Spec.Containers[i].Name == "manager" {
			template.Spec.Containers[i].Image = operatorImage
			// the image exists only in the node's containerd
			template.Spec.Containers[i].ImagePullPolicy = corev1.PullNever
		}
	}
	return in.withWebhookCert(deployment, in.webhookSecret)
}

// uninstall removes what install created, but the CRD: deleting it would delete every GameStatefulSet.
func (in *installation) uninstall() {
	for _, o := range in.clusterObjects {
		Expect(client.IgnoreNotFound(k8s.Delete(ctx, o))).To(Succeed())
	}
	for _, ns := range uniq(append([]string{in.namespace}, in.targets...)) {
		Expect(client.IgnoreNotFound(k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))).To(Succeed())
	}
}

// ensureNamespace creates ns, waiting first for a namespace of that name left by an earlier run to go.
func ensureNamespace(name string) {
	EventuallyWithOffset(1, func(g Gomega) {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		err := k8s.Get(ctx, client.ObjectKeyFromObject(ns), ns)
		if apierrors.IsNotFound(err) {
			err = k8s.Create(ctx, ns)
		}
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(ns.Status.Phase).NotTo(Equal(corev1.NamespaceTerminating), "namespace %s from an earlier run is going", name)
	}).Should(Succeed())
}

func createOrUpdate(o client.Object) {
	err := k8s.Create(ctx, o)
	if apierrors.IsAlreadyExists(err) {
		current := o.DeepCopyObject().(client.Object)
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(o), current)).To(Succeed())
		o.SetResourceVersion(current.GetResourceVersion())
		err = k8s.Update(ctx, o)
	}
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "%T %s", o, o.GetName())
}

func uniq(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
