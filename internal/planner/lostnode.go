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

// NodeLostSince tells since when the node is lost: its Ready condition is Unknown or False, or it carries the
// unreachable taint. ok is false for a healthy node.
func NodeLostSince(node *corev1.Node) (since time.Time, ok bool) {
	for _, t := range node.Spec.Taints {
		if t.Key == corev1.TaintNodeUnreachable && t.TimeAdded != nil {
			since, ok = t.TimeAdded.Time, true
		}
	}
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status != corev1.ConditionTrue {
			if !ok || c.LastTransitionTime.Time.Before(since) {
				since, ok = c.LastTransitionTime.Time, true
			}
		}
	}
	return since, ok
}

// planLostNodes force-deletes the set's pods on nodes lost for longer than the threshold, so that they are
// recreated with the same identity on a healthy node. It returns the pods it moves, which the rest of the plan
// leaves alone.
func planLostNodes(in *Input, plan *Plan) map[*corev1.Pod]bool {
	threshold, enabled := in.lostNodeThreshold()
	if !enabled {
		return nil
	}
	var moved map[*corev1.Pod]bool
	for _, pod := range in.Pods {
		node := in.Nodes[pod.Spec.NodeName]
		if pod.Spec.NodeName == "" || node == nil {
			continue
		}
		since, lost := NodeLostSince(node)
		if !lost {
			continue
		}
		if remaining := since.Add(threshold).Sub(in.Now); remaining > 0 {
			plan.wait(remaining, "node %s of pod %s is lost; the pod moves to another node if it is not back within %s", node.Name, pod.Name, threshold)
			continue
		}
		if moved == nil {
			moved = map[*corev1.Pod]bool{}
		}
		moved[pod] = true
		ordinal, _ := identity.OrdinalOf(in.Set, pod.Name)
		plan.add(Action{Type: ForceDeletePod, Ordinal: ordinal, Pod: pod, Reason: fmt.Sprintf("node %s lost since %s (threshold %s)",
			node.Name, since.UTC().Format(time.RFC3339), threshold)})
	}
	return moved
}
