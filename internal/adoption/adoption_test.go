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

package adoption

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

func newSet(whenDeleted gstsv1alpha1.PersistentVolumeClaimRetentionPolicyType) *gstsv1alpha1.GameStatefulSet {
	return &gstsv1alpha1.GameStatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "set-uid"},
		Spec: gstsv1alpha1.GameStatefulSetSpec{
			ServiceName: "web",
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "game:v1",
					Env:          []corev1.EnvVar{{Name: "MODE", Value: "pvp"}},
					Resources:    corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}},
					VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}}}},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}},
			PersistentVolumeClaimRetentionPolicy: &gstsv1alpha1.GameStatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: whenDeleted, WhenScaled: gstsv1alpha1.RetainPersistentVolumeClaimRetentionPolicyType},
		},
	}
}

var selector = labels.SelectorFromSet(labels.Set{"app": "web"})

func ref(kind, name string, uid types.UID, controller bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "v1", Kind: kind, Name: name, UID: uid, Controller: ptr.To(controller)}
}

func TestForPod(t *testing.T) {
	set := newSet(gstsv1alpha1.RetainPersistentVolumeClaimRetentionPolicyType)
	now := metav1.Now()
	setRef := identity.OwnerReference(set)
	cases := []struct {
		name    string
		labels  map[string]string
		owners  []metav1.OwnerReference
		deleted bool
		want    Verdict
		why     string
	}{
		{name: "orphan matching", labels: map[string]string{"app": "web"}, want: Adopt},
		{name: "orphan with a non-controller owner", labels: map[string]string{"app": "web"},
			owners: []metav1.OwnerReference{ref("ConfigMap", "cm", "cm-uid", false)}, want: Adopt},
		{name: "orphan not matching", labels: map[string]string{"app": "other"}, want: NotMatching, why: "do not match the selector app=web"},
		{name: "orphan being deleted", labels: map[string]string{"app": "web"}, deleted: true, want: Terminating},
		{name: "another controller", labels: map[string]string{"app": "web"},
			owners: []metav1.OwnerReference{ref("StatefulSet", "web", "sts-uid", true)}, want: Foreign, why: "controlled by StatefulSet web"},
		{name: "an earlier set of the name, as controller", labels: map[string]string{"app": "web"},
			owners: []metav1.OwnerReference{{APIVersion: setRef.APIVersion, Kind: identity.Kind, Name: "web", UID: "old", Controller: ptr.To(true)}},
			want:   Foreign, why: "an earlier set of this name"},
		{name: "an earlier set of the name, not controller", labels: map[string]string{"app": "web"},
			owners: []metav1.OwnerReference{{APIVersion: setRef.APIVersion, Kind: identity.Kind, Name: "web", UID: "old"}},
			want:   Foreign, why: "earlier GameStatefulSet web"},
		{name: "controlled, labelled", labels: map[string]string{"app": "web", identity.SetNameLabel: "web"},
			owners: []metav1.OwnerReference{setRef}, want: Owned},
		{name: "controlled, unlabelled (upstream operator)", labels: map[string]string{"app": "web"},
			owners: []metav1.OwnerReference{setRef}, want: Relabel},
		{name: "controlled, being deleted", labels: map[string]string{"app": "web"},
			owners: []metav1.OwnerReference{setRef}, deleted: true, want: Terminating},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Labels: c.labels, OwnerReferences: c.owners}}
			if c.deleted {
				pod.DeletionTimestamp = &now
			}
			got, why := ForPod(set, selector, pod)
			if got != c.want || !strings.Contains(why, c.why) {
				t.Fatalf("ForPod = %s %q, want %s containing %q", got, why, c.want, c.why)
			}
			if got.Adoptable() != (c.want == Adopt || c.want == Relabel) {
				t.Fatalf("Adoptable() = %v for %s", got.Adoptable(), got)
			}
		})
	}
}

func TestClaimOwnersAndDeletion(t *testing.T) {
	del := gstsv1alpha1.DeletePersistentVolumeClaimRetentionPolicyType
	retain := gstsv1alpha1.RetainPersistentVolumeClaimRetentionPolicyType
	setRef := identity.OwnerReference(newSet(del))
	notController := setRef
	notController.Controller = nil
	other := ref("ConfigMap", "cm", "cm-uid", false)
	otherController := ref("ConfigMap", "cm", "cm-uid", true)
	stale := metav1.OwnerReference{APIVersion: setRef.APIVersion, Kind: identity.Kind, Name: "web", UID: "old"}
	cases := []struct {
		name      string
		policy    gstsv1alpha1.PersistentVolumeClaimRetentionPolicyType
		owners    []metav1.OwnerReference
		want      []metav1.OwnerReference
		changed   bool
		deletable bool
	}{
		{name: "Delete: no owner", policy: del, want: []metav1.OwnerReference{setRef}, changed: true, deletable: true},
		{name: "Delete: already controller", policy: del, owners: []metav1.OwnerReference{setRef}, want: []metav1.OwnerReference{setRef}, deletable: true},
		{name: "Delete: next to another owner", policy: del, owners: []metav1.OwnerReference{other},
			want: []metav1.OwnerReference{other, setRef}, changed: true},
		{name: "Delete: reference without controller flag put right", policy: del, owners: []metav1.OwnerReference{notController},
			want: []metav1.OwnerReference{setRef}, changed: true, deletable: true},
		{name: "Delete: another controller", policy: del, owners: []metav1.OwnerReference{otherController},
			want: []metav1.OwnerReference{otherController}},
		{name: "Delete: stale reference", policy: del, owners: []metav1.OwnerReference{stale}, want: []metav1.OwnerReference{stale}},
		{name: "Retain: no owner", policy: retain, want: nil, deletable: true},
		{name: "Retain: set released", policy: retain, owners: []metav1.OwnerReference{other, setRef},
			want: []metav1.OwnerReference{other}, changed: true},
		{name: "Retain: another controller", policy: retain, owners: []metav1.OwnerReference{otherController, setRef},
			want: []metav1.OwnerReference{otherController, setRef}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set := newSet(c.policy)
			claim := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data-web-1", OwnerReferences: c.owners,
				Labels: map[string]string{identity.SetNameLabel: "web"}}}
			got, changed := ClaimOwners(set, claim)
			if changed != c.changed || len(got) != len(c.want) {
				t.Fatalf("ClaimOwners = %v %v, want %v %v", got, changed, c.want, c.changed)
			}
			for i := range got {
				if got[i].UID != c.want[i].UID || ptr.Deref(got[i].Controller, false) != ptr.Deref(c.want[i].Controller, false) {
					t.Fatalf("ClaimOwners = %v, want %v", got, c.want)
				}
			}
			if d := ClaimDeletable(set, claim); d != c.deletable {
				t.Fatalf("ClaimDeletable = %v, want %v", d, c.deletable)
			}
		})
	}
}

func TestForRevision(t *testing.T) {
	set := newSet(gstsv1alpha1.RetainPersistentVolumeClaimRetentionPolicyType)
	ours := map[string]string{"app": "web", identity.SetNameLabel: "web"}
	cases := []struct {
		name   string
		labels map[string]string
		owners []metav1.OwnerReference
		want   Verdict
	}{
		{name: "ours", labels: ours, owners: []metav1.OwnerReference{identity.OwnerReference(set)}, want: Owned},
		{name: "upstream operator's, unlabelled", labels: map[string]string{"app": "web"}, owners: []metav1.OwnerReference{identity.OwnerReference(set)}, want: Relabel},
		{name: "orphan of a set of this name", labels: ours, want: Adopt},
		{name: "orphan of a StatefulSet", labels: map[string]string{"app": "web"}, want: Foreign},
		{name: "orphan of another set's name", labels: map[string]string{"app": "web", identity.SetNameLabel: "api"}, want: Foreign},
		{name: "another controller", labels: ours, owners: []metav1.OwnerReference{ref("StatefulSet", "web", "x", true)}, want: Foreign},
	}
	for _, c := range cases {
		rev := &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: "web-abc", Labels: c.labels, OwnerReferences: c.owners}}
		if got := ForRevision(set, selector, rev); got != c.want {
			t.Errorf("%s: ForRevision = %s, want %s", c.name, got, c.want)
		}
	}
}

// livePod is a pod made from the template as the API server stores it: defaulted, with a service account token
// volume and its mount, default tolerations, scheduled.
func livePod(set *gstsv1alpha1.GameStatefulSet, template *corev1.PodTemplateSpec, mutate func(*corev1.Pod)) *corev1.Pod {
	pod := identity.NewPod(set, template, "web-stshash", 1)
	pod.Labels = map[string]string{"app": "web", "controller-revision-hash": "web-stshash", "statefulset.kubernetes.io/pod-name": "web-1"}
	pod.Spec.ReadinessGates = nil
	pod.Spec.NodeName = "node-1"
	pod.Spec.DNSPolicy = corev1.DNSClusterFirst
	pod.Spec.ServiceAccountName = "default"
	pod.Spec.TerminationGracePeriodSeconds = ptr.To[int64](30)
	pod.Spec.Tolerations = []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists,
		Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](300)}}
	pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: "kube-api-access-x7k2p", VolumeSource: corev1.VolumeSource{
		Projected: &corev1.ProjectedVolumeSource{}}})
	c := &pod.Spec.Containers[0]
	c.ImagePullPolicy = corev1.PullIfNotPresent
	c.TerminationMessagePath = "/dev/termination-log"
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "kube-api-access-x7k2p", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true})
	// the same quantities, written another way (500m as 0.5)
	for name, q := range c.Resources.Requests {
		c.Resources.Requests[name] = resource.MustParse(q.AsDec().String())
	}
	if mutate != nil {
		mutate(pod)
	}
	return pod
}

func TestRevisionOf(t *testing.T) {
	set := newSet(gstsv1alpha1.RetainPersistentVolumeClaimRetentionPolicyType)
	v1 := set.Spec.Template.DeepCopy()
	v2 := set.Spec.Template.DeepCopy()
	v2.Spec.Containers[0].Image = "game:v2"
	candidates := []Candidate{{Name: "web-v2", Template: v2}, {Name: "web-v1", Template: v1}}
	cases := []struct {
		name   string
		mutate func(*corev1.Pod)
		want   string
	}{
		{name: "runs v1 with the API server's additions", want: "web-v1"},
		{name: "runs v2", mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Image = "game:v2" }, want: "web-v2"},
		{name: "its label names a revision of the history", mutate: func(p *corev1.Pod) {
			p.Labels["controller-revision-hash"] = "web-v2"
		}, want: "web-v2"},
		{name: "another image", mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Image = "game:v0" }},
		{name: "another env value", mutate: func(p *corev1.Pod) { p.Spec.Containers[0].Env[0].Value = "pve" }},
		{name: "an env var more", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Env = append(p.Spec.Containers[0].Env, corev1.EnvVar{Name: "DEBUG", Value: "1"})
		}},
		{name: "a container more", mutate: func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "sidecar", Image: "proxy"})
		}},
		{name: "other resources", mutate: func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}
		}},
		{name: "another claim", mutate: func(p *corev1.Pod) {
			p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName = "data-other-1"
		}},
		{name: "without a template label", mutate: func(p *corev1.Pod) { v := p.Labels; delete(v, "app") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pod := livePod(set, v1, c.mutate)
			if got := RevisionOf(set, pod, 1, candidates); got != c.want {
				t.Fatalf("RevisionOf = %q, want %q", got, c.want)
			}
		})
	}
}

// FuzzRuns checks that a pod made from a template always runs it, whatever the template holds, and that changing
// the image of its first container makes it run it no longer.
func FuzzRuns(f *testing.F) {
	f.Add("game:v1", "MODE", "pvp", int64(500), uint8(1))
	f.Add("", "", "", int64(0), uint8(0))
	f.Fuzz(func(t *testing.T, image, envName, envValue string, millicores int64, containers uint8) {
		set := newSet(gstsv1alpha1.RetainPersistentVolumeClaimRetentionPolicyType)
		template := set.Spec.Template.DeepCopy()
		template.Spec.Containers = nil
		for i := range int(containers%4) + 1 {
			c := corev1.Container{Name: "c" + string(rune('a'+i)), Image: image + string(rune('a'+i))}
			if envName != "" {
				c.Env = []corev1.EnvVar{{Name: envName, Value: envValue}}
			}
			if millicores > 0 {
				c.Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: *resource.NewMilliQuantity(millicores%100000, resource.DecimalSI)}
			}
			template.Spec.Containers = append(template.Spec.Containers, c)
		}
		pod := livePod(set, template, nil)
		want := identity.NewPod(set, template, "r", 1).Spec
		if !Runs(pod, want, template) {
			t.Fatalf("a pod made from the template does not run it")
		}
		pod.Spec.Containers[0].Image += "-changed"
		if Runs(pod, want, template) {
			t.Fatalf("a pod with another image runs the template")
		}
	})
}
