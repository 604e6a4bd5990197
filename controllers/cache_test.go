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

package controllers

import (
	"encoding/json"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
)

// A patch the operator computes from a trimmed cached pod must leave the trimmed fields as they are on the server.
func TestPatchesFromTrimmedPodsKeepWhatTheCacheDropped(t *testing.T) {
	server := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "game-0", Namespace: "ns", Labels: map[string]string{"app": "game"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubelet", Operation: metav1.ManagedFieldsOperationUpdate}}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "game", Image: "game:v1",
				VolumeMounts: []corev1.VolumeMount{{Name: "kube-api-access", MountPath: "/var/run/secrets"}}}},
			Volumes:      []corev1.Volume{{Name: "kube-api-access", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{}}}},
			Tolerations:  []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists}},
			NodeSelector: map[string]string{"pool": "game"},
		},
		Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{Name: "game", Image: "game:v1", RestartCount: 2}}},
	}
	cachedObj, err := trimPod(server.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	cached := cachedObj.(*corev1.Pod)
	if cached.ManagedFields != nil || cached.Spec.Volumes != nil || cached.Spec.Tolerations != nil ||
		cached.Spec.NodeSelector != nil || cached.Spec.Containers[0].VolumeMounts != nil {
		t.Fatalf("not trimmed: %+v", cached)
	}

	updated, err := inplace.Apply(cached, inplace.Change{Images: map[string]string{"game": "game:v2"}},
		identity.RevisionLabel, "game-2", inplace.StateAnnotation, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	patch, err := client.StrategicMergeFrom(cached).Data(updated)
	if err != nil {
		t.Fatal(err)
	}
	original, err := json.Marshal(server)
	if err != nil {
		t.Fatal(err)
	}
	patchedJSON, err := strategicpatch.StrategicMergePatch(original, patch, &corev1.Pod{})
	if err != nil {
		t.Fatal(err)
	}
	var patched corev1.Pod
	if err := json.Unmarshal(patchedJSON, &patched); err != nil {
		t.Fatal(err)
	}
	if patched.Spec.Containers[0].Image != "game:v2" || patched.Labels[identity.RevisionLabel] != "game-2" {
		t.Fatalf("the in-place change is not in the patch %s", patch)
	}
	if len(patched.Spec.Volumes) != 1 || len(patched.Spec.Tolerations) != 1 || len(patched.ManagedFields) != 1 ||
		len(patched.Spec.NodeSelector) != 1 ||
		len(patched.Spec.Containers[0].VolumeMounts) != 1 {
		t.Fatalf("the patch %s changed what the cache dropped: %+v", patch, patched.Spec)
	}
}
