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

package planner

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func lostNode(name string, since time.Duration) *corev1.Node {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	status := corev1.ConditionTrue
	if since > 0 {
		status = corev1.ConditionUnknown
	}
	node.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status, LastTransitionTime: metav1.NewTime(now.Add(-since))}}
	return node
}

func onNode(p *corev1.Pod, node string) *corev1.Pod {
	p.Spec.NodeName = node
	return p
}

func TestPodsOfALostNodeMoveAfterTheThreshold(t *testing.T) {
	set := newSet(2, parallel)
	pods := []*corev1.Pod{onNode(pod(set, 0, "rev-2", ready), "good"), onNode(pod(set, 1, "rev-2", ready), "lost")}
	in := input(set, pods...)
	in.LostNodeThreshold = time.Minute
	in.Nodes = map[string]*corev1.Node{"good": lostNode("good", 0), "lost": lostNode("lost", 2*time.Minute)}
	// forced out, and its ordinal recreated in the same pass
	expectActions(t, Compute(in), "ForceDeletePod 1", "CreatePod 1 rev-2")

	in.Nodes["lost"] = lostNode("lost", 20*time.Second)
	plan := Compute(in)
	expectActions(t, plan)
	if plan.RequeueAfter != 40*time.Second {
		t.Fatalf("a node lost for less than the threshold is waited for: requeue after %s", plan.RequeueAfter)
	}

	in.Nodes["lost"] = lostNode("lost", 2*time.Minute)
	set.Annotations = map[string]string{LostNodeMigrationAnnotation: "disabled"}
	expectActions(t, Compute(in))

	set.Annotations = map[string]string{LostNodeThresholdAnnotation: "3m"}
	expectActions(t, Compute(in))
	in.LostNodeThreshold = 0
	set.Annotations = nil
	expectActions(t, Compute(in))
}

func TestNodeLostSince(t *testing.T) {
	if _, lost := NodeLostSince(lostNode("n", 0)); lost {
		t.Fatal("a Ready node is not lost")
	}
	node := lostNode("n", 0)
	added := metav1.NewTime(now.Add(-time.Minute))
	node.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &added}}
	if since, lost := NodeLostSince(node); !lost || !since.Equal(added.Time) {
		t.Fatalf("the unreachable taint marks a lost node: %v %v", since, lost)
	}
	node.Status.Conditions[0].Status = corev1.ConditionFalse
	node.Status.Conditions[0].LastTransitionTime = metav1.NewTime(now.Add(-time.Hour))
	if since, _ := NodeLostSince(node); !since.Equal(now.Add(-time.Hour)) {
		t.Fatalf("the earliest sign counts: %v", since)
	}
}
