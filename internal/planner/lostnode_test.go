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
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
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
	node.Status.Conditions[0].Status = corev1.ConditionUnknown
	node.Status.Conditions[0].LastTransitionTime = metav1.NewTime(now.Add(-time.Hour))
	if since, _ := NodeLostSince(node); !since.Equal(now.Add(-time.Hour)) {
		t.Fatalf("the earliest sign counts: %v", since)
	}
	alive := lostNode("n", 0)
	alive.Status.Conditions[0].Status = corev1.ConditionFalse
	alive.Status.Conditions[0].LastTransitionTime = metav1.NewTime(now.Add(-time.Hour))
	if _, lost := NodeLostSince(alive); lost {
		t.Fatal("a node whose kubelet reports Ready False is alive, not lost")
	}
}

// spread puts pod i of the set on node n<i>, with the nodes of lost lost for an hour.
func spread(set *gstsv1alpha1.GameStatefulSet, replicas int, lost ...int) Input {
	var pods []*corev1.Pod
	nodes := map[string]*corev1.Node{}
	for i := range replicas {
		name := fmt.Sprintf("n%d", i)
		pods = append(pods, onNode(pod(set, int32(i), "rev-2", ready), name))
		nodes[name] = lostNode(name, 0)
	}
	for _, i := range lost {
		name := fmt.Sprintf("n%d", i)
		nodes[name] = lostNode(name, time.Hour)
	}
	in := input(set, pods...)
	in.Nodes, in.LostNodeThreshold = nodes, time.Minute
	return in
}

func TestMovesOffLostNodesGoThroughTheAvailabilityBudget(t *testing.T) {
	set := newSet(5, parallel, maxUnavailable(intstr.FromInt32(1)))
	in := spread(set, 5, 1, 3)
	// two lost nodes of five: one pod moves at a time (maxUnavailable 1)
	plan := Compute(in)
	expectActions(t, plan, "ForceDeletePod 1", "CreatePod 1 rev-2")
	if !strings.Contains(plan.Waiting, "pod web-3 of lost node n3 moves once fewer than maxUnavailable (1) pods are down") {
		t.Fatalf("waiting: %q", plan.Waiting)
	}
	// the moved pod's replacement is not available yet: the next one waits
	in.Pods[1] = pod(set, 1, "rev-2", pending)
	expectActions(t, Compute(in))
	// once it is, the next one moves
	in.Pods[1] = onNode(pod(set, 1, "rev-2", ready), "n0")
	expectActions(t, Compute(in), "ForceDeletePod 3", "CreatePod 3 rev-2")

	wider := newSet(5, parallel, maxUnavailable(intstr.FromInt(2)))
	expectActions(t, Compute(spread(wider, 5, 1, 3)), "ForceDeletePod 1", "ForceDeletePod 3", "CreatePod 1 rev-2", "CreatePod 3 rev-2")
}

func TestAMassOutageHoldsMoves(t *testing.T) {
	// four pods on four lost nodes with maxUnavailable 1: nothing moves, and the plan says why
	set := newSet(4, parallel)
	plan := Compute(spread(set, 4, 0, 1, 2, 3))
	expectActions(t, plan)
	if !strings.Contains(plan.MigrationHeld, "4 of the 4 nodes running the set's pods are lost at once") {
		t.Fatalf("held: %q", plan.MigrationHeld)
	}
	status := Status(spread(set, 4, 0, 1, 2, 3), "app=web")
	Conditions(set, &status, plan, "")
	if c := meta.FindStatusCondition(status.Conditions, gstsv1alpha1.ConditionProgressing); c.Reason != ReasonMigrationHeld {
		t.Fatalf("Progressing %+v", c)
	}
	// three of five (60%) is an outage too; two of five, or two of two, are lost machines
	expectActions(t, Compute(spread(newSet(5, parallel), 5, 0, 1, 2)))
	if plan := Compute(spread(newSet(2, parallel, maxUnavailable(intstr.FromInt(2))), 2, 0, 1)); plan.MigrationHeld != "" || len(plan.Actions) != 4 {
		t.Fatalf("two lost nodes of two move: %q %v", plan.MigrationHeld, describe(plan))
	}
}
