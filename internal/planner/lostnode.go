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
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

const (
	// LostNodeMigrationAnnotation set to "disabled" on a GameStatefulSet keeps its pods on lost nodes.
	LostNodeMigrationAnnotation = "gamestatefulset.kubernetes.io/lost-node-migration"
	// LostNodeThresholdAnnotation overrides, for one GameStatefulSet, how long a node must be lost before its pods
	// move (a Go duration such as "90s").
	LostNodeThresholdAnnotation = "gamestatefulset.kubernetes.io/lost-node-threshold"
)

// lostNodeThreshold is how long the set's pods wait on a lost node before they are moved; ok is false when the
// set opted out.
func (in *Input) lostNodeThreshold() (threshold time.Duration, ok bool) {
	annotations := in.Set.Annotations
	if annotations[LostNodeMigrationAnnotation] == "disabled" || in.LostNodeThreshold <= 0 {
		return 0, false
	}
	if v, found := annotations[LostNodeThresholdAnnotation]; found {
		if d, err := time.ParseDuration(v); err == nil && d >= 0 {
			return d, true
		}
	}
	return in.LostNodeThreshold, true
}

// The node lifecycle controller's unhealthy-zone rule: when more than two nodes and at least 55% of a zone are
// not ready, a partition between the nodes and the control plane is likelier than that many machines failing at
// once, and it slows its evictions. Applied to the nodes that run a set's pods, it stops migrations: a pod moved
// off a node that is only cut off would run twice, one process for one identity.
const (
	outageShare    = 0.55
	outageMinNodes = 3
)

// ReasonMigrationHeld is the Progressing reason while a mass outage holds lost-node migrations.
const ReasonMigrationHeld = "LostNodeMigrationHeld"

// NodeLostSince tells since when the node is lost: its kubelet stopped reporting (the Ready condition is
// Unknown) or it carries the unreachable taint. A node whose kubelet reports Ready False is alive and talking to
// the API server, so its pods are not moved. ok is false for a node that is not lost.
func NodeLostSince(node *corev1.Node) (since time.Time, ok bool) {
	for _, t := range node.Spec.Taints {
		if t.Key == corev1.TaintNodeUnreachable && t.TimeAdded != nil {
			since, ok = t.TimeAdded.Time, true
		}
	}
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionUnknown {
			if !ok || c.LastTransitionTime.Time.Before(since) {
				since, ok = c.LastTransitionTime.Time, true
			}
		}
	}
	return since, ok
}

// planLostNodes force-deletes the set's pods on nodes lost for longer than the threshold, so that they are
// recreated with the same identity on a healthy node. Moves go through the availability budget: at most
// maxUnavailable of the set's pods are down at once, those moving included, so a moved pod's replacement must be
// available before the next one moves. When a large share of the nodes running the set are lost at once, nothing
// moves (Plan.MigrationHeld says why). It returns the pods it moves, which the rest of the plan leaves alone.
func planLostNodes(in *Input, plan *Plan, b *budget) map[*corev1.Pod]bool {
	threshold, enabled := in.lostNodeThreshold()
	if !enabled {
		return nil
	}
	hosting := map[string]bool{}
	lostSince := map[string]time.Time{}
	for _, pod := range in.Pods {
		node := in.Nodes[pod.Spec.NodeName]
		if pod.Spec.NodeName == "" || node == nil {
			continue
		}
		hosting[node.Name] = true
		if since, lost := NodeLostSince(node); lost {
			lostSince[node.Name] = since
		}
	}
	if len(lostSince) == 0 {
		return nil
	}
	if len(lostSince) >= outageMinNodes && float64(len(lostSince)) >= outageShare*float64(len(hosting)) {
		plan.MigrationHeld = fmt.Sprintf("%d of the %d nodes running the set's pods are lost at once, more likely cut off "+
			"from the control plane than down: no pod is moved, since a moved pod could run twice; moves resume when fewer "+
			"than %d nodes or %.0f%% of them are lost", len(lostSince), len(hosting), outageMinNodes, outageShare*100)
		plan.wait(0, "%s", plan.MigrationHeld)
		return nil
	}

	// every move counts against maxUnavailable less what is down for other reasons; moving a pod its node last
	// reported serving also takes it out of service, so it needs room in the budget every update shares
	moves := MaxUnavailable(in.Set) - in.downOffLostNodes(lostSince)
	candidates := make([]*corev1.Pod, 0, len(in.Pods))
	for _, pod := range in.Pods {
		if _, lost := lostSince[pod.Spec.NodeName]; lost {
			candidates = append(candidates, pod)
		}
	}
	// the pods already out of service first: moving them costs no player a server
	sort.SliceStable(candidates, func(i, j int) bool {
		return !in.serving(candidates[i]) && in.serving(candidates[j])
	})
	var moved map[*corev1.Pod]bool
	for _, pod := range candidates {
		node := pod.Spec.NodeName
		since := lostSince[node]
		if remaining := since.Add(threshold).Sub(in.Now); remaining > 0 {
			plan.wait(remaining, "node %s of pod %s is lost; the pod moves to another node if it is not back within %s", node, pod.Name, threshold)
			continue
		}
		if moves <= 0 || !b.take(in.serving(pod)) {
			plan.wait(0, "pod %s of lost node %s moves once fewer than maxUnavailable (%d) pods are down", pod.Name, node, MaxUnavailable(in.Set))
			continue
		}
		moves--
		if moved == nil {
			moved = map[*corev1.Pod]bool{}
		}
		moved[pod] = true
		ordinal, _ := identity.OrdinalOf(in.Set, pod.Name)
		plan.add(Action{Type: ForceDeletePod, Ordinal: ordinal, Pod: pod, Reason: fmt.Sprintf("node %s lost since %s (threshold %s)",
			node, since.UTC().Format(time.RFC3339), threshold)})
	}
	return moved
}

// downOffLostNodes counts the set's ordinals that are down for another reason than a lost node: without a pod,
// with a terminating pod, or with a pod not available yet (a moved pod's replacement among them).
func (in *Input) downOffLostNodes(lostSince map[string]time.Time) int {
	replicas, _ := in.slots()
	down := 0
	for _, pod := range replicas {
		if pod != nil {
			if _, lost := lostSince[pod.Spec.NodeName]; lost {
				continue
			}
		}
		if pod == nil || IsTerminating(pod) || !IsAvailable(pod, in.Set.Spec.MinReadySeconds, in.Now) {
			down++
		}
	}
	return down
}
