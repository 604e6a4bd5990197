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

// Package cli decides what `kubectl gamestatefulset` prints and whether a rollout is done: the tables of get and
// describe, the revision history, and the rollout status, from the objects the commands read. It is pure: the
// commands in cmd/kubectl-gamestatefulset read and write.
package cli

import (
	"fmt"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/duration"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
)

// RestartedAtAnnotation on the pod template asks for every pod to be restarted: `rollout restart` sets it.
const RestartedAtAnnotation = inplace.RestartAnnotation

// Columns are the columns of `get`; wide adds WideColumns.
var (
	Columns     = []string{"NAME", "REPLICAS", "READY", "CURRENT", "UPDATED", "STRATEGY", "PARTITION", "PAUSED", "STEP", "HELD", "AGE"}
	WideColumns = []string{"UPDATE-REVISION", "MAXUNAVAILABLE", "RESERVED", "IMAGES"}
)

// Age prints a duration as kubectl does: 5s, 3m2s, 4h, 12d.
func Age(since, now time.Time) string {
	if since.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(since))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Partition prints the partition the set's update obeys: rollingUpdate.partition, or the canary step's.
func Partition(set *gstsv1alpha1.GameStatefulSet) string {
	if steps := set.Spec.UpdateStrategy.CanaryStrategy; steps != nil && len(steps.Steps) > 0 {
		return "canary"
	}
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		return ru.Partition.String()
	}
	return "0"
}

// Step prints the canary step, "3/6", or "-".
func Step(set *gstsv1alpha1.GameStatefulSet) string {
	steps := set.Spec.UpdateStrategy.CanaryStrategy
	if steps == nil || len(steps.Steps) == 0 || set.Status.CurrentStepIndex == nil {
		return "-"
	}
	return fmt.Sprintf("%d/%d", min(int(*set.Status.CurrentStepIndex)+1, len(steps.Steps)), len(steps.Steps))
}

// Held counts the pods a pre-delete or pre-inplace hook holds.
func Held(set *gstsv1alpha1.GameStatefulSet) int {
	n := 0
	for _, c := range append(append([]gstsv1alpha1.PodHookCondition(nil), set.Status.PreDeleteHookConditions...), set.Status.PreInplaceHookConditions...) {
		if c.HookPhase != gstsv1alpha1.HookPhaseSuccessful {
			n++
		}
	}
	return n
}

func images(template *corev1.PodTemplateSpec) string {
	var out []string
	for _, c := range template.Spec.Containers {
		out = append(out, c.Image)
	}
	return strings.Join(out, ",")
}

// Row is the `get` line of a set.
func Row(set *gstsv1alpha1.GameStatefulSet, wide bool, now time.Time) []string {
	row := []string{
		set.Name,
		fmt.Sprint(identity.Replicas(set)),
		fmt.Sprintf("%d/%d", set.Status.ReadyReplicas, identity.Replicas(set)),
		fmt.Sprint(set.Status.CurrentReplicas),
		fmt.Sprint(set.Status.UpdatedReplicas),
		string(set.Spec.UpdateStrategy.Type),
		Partition(set),
		fmt.Sprint(set.Spec.UpdateStrategy.Paused),
		Step(set),
		fmt.Sprint(Held(set)),
		Age(set.CreationTimestamp.Time, now),
	}
	if wide {
		reserved := make([]string, 0, len(set.Spec.ReserveOrders))
		for _, r := range set.Spec.ReserveOrders {
			reserved = append(reserved, r.String())
		}
		row = append(row, orDash(set.Status.UpdateRevision), fmt.Sprint(planner.MaxUnavailable(set)),
			orDash(strings.Join(reserved, ",")), images(&set.Spec.Template))
	}
	return row
}

// Table aligns rows under their columns as kubectl's printer does: columns separated by three spaces.
func Table(columns []string, rows [][]string) string {
	widths := make([]int, len(columns))
	for i, c := range columns {
		widths[i] = len(c)
	}
	for _, r := range rows {
		for i, cell := range r {
			if i < len(widths) && len(cell) > widths[i] {
				widths[i] = len(cell)
			}
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		for i, cell := range cells {
			if i == len(cells)-1 {
				b.WriteString(cell)
				break
			}
			fmt.Fprintf(&b, "%-*s   ", widths[i], cell)
		}
		b.WriteString("\n")
	}
	line(columns)
	for _, r := range rows {
		line(r)
	}
	return b.String()
}

// Rollout says whether the set's update is done and, if not, what it waits for. It is done when the status
// describes the latest spec and every pod the partition lets update runs the update revision, ready; with a
// partition of 0 also when the current revision has become the update revision.
func Rollout(set *gstsv1alpha1.GameStatefulSet) (done bool, message string) {
	replicas := identity.Replicas(set)
	if set.Status.ObservedGeneration < set.Generation {
		return false, "waiting for the operator to observe the latest spec"
	}
	progressing := meta.FindStatusCondition(set.Status.Conditions, gstsv1alpha1.ConditionProgressing)
	why := ""
	if progressing != nil {
		why = fmt.Sprintf(" (%s: %s)", progressing.Reason, progressing.Message)
	}
	partition := int32(0)
	if set.Spec.UpdateStrategy.Type != gstsv1alpha1.OnDeleteStatefulSetStrategyType {
		kept := planner.PartitionOrdinal(set)
		for _, ord := range identity.Ordinals(set) {
			if ord < kept {
				partition++
			}
		}
		if len(set.Spec.UpdateStrategy.CanaryStrategy.StepsOrNil()) > 0 {
			partition = 0
		}
	}
	want := replicas - partition
	switch {
	case set.Status.UpdatedReadyReplicas < want || set.Status.UpdatedReplicas < want:
		return false, fmt.Sprintf("waiting for the update: %d of %d pods updated, %d updated and ready%s", set.Status.UpdatedReplicas, want, set.Status.UpdatedReadyReplicas, why)
	case set.Status.ReadyReplicas < replicas || set.Status.Replicas != replicas:
		return false, fmt.Sprintf("waiting for pods: %d of %d ready, %d exist%s", set.Status.ReadyReplicas, replicas, set.Status.Replicas, why)
	case partition == 0 && set.Status.CurrentRevision != set.Status.UpdateRevision:
		return false, fmt.Sprintf("waiting for revision %s to become current%s", set.Status.UpdateRevision, why)
	case partition > 0:
		return true, fmt.Sprintf("partitioned rollout complete: %d new pods have been updated", want)
	}
	return true, fmt.Sprintf("gamestatefulset %q successfully rolled out: %d pods on revision %s", set.Name, replicas, set.Status.UpdateRevision)
}

// HistoryEntry is one revision of the set.
type HistoryEntry struct {
	Number   int64
	Name     string
	Images   string
	Cause    string
	Current  bool
	Update   bool
	Template *corev1.PodTemplateSpec
}

// History lists the set's revisions, oldest first, with what each ran.
func History(set *gstsv1alpha1.GameStatefulSet, revisions []*appsv1.ControllerRevision, templateOf func(*appsv1.ControllerRevision) (*corev1.PodTemplateSpec, error)) ([]HistoryEntry, error) {
	sorted := append([]*appsv1.ControllerRevision(nil), revisions...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Revision < sorted[j].Revision })
	var out []HistoryEntry
	for _, rev := range sorted {
		t, err := templateOf(rev)
		if err != nil {
			return nil, fmt.Errorf("revision %s: %w", rev.Name, err)
		}
		out = append(out, HistoryEntry{Number: rev.Revision, Name: rev.Name, Images: images(t), Cause: rev.Annotations["kubernetes.io/change-cause"],
			Current: rev.Name == set.Status.CurrentRevision, Update: rev.Name == set.Status.UpdateRevision, Template: t})
	}
	return out, nil
}

// UndoTarget is the revision `rollout undo` goes back to: the one numbered toRevision, or with 0 the one before
// the update revision.
func UndoTarget(history []HistoryEntry, toRevision int64) (*HistoryEntry, error) {
	if toRevision != 0 {
		for i := range history {
			if history[i].Number == toRevision {
				return &history[i], nil
			}
		}
		return nil, fmt.Errorf("revision %d not found in the history", toRevision)
	}
	for i := len(history) - 1; i >= 0; i-- {
		if history[i].Update && i > 0 {
			return &history[i-1], nil
		}
	}
	return nil, fmt.Errorf("no revision before the update revision to go back to")
}

// PodLine is the describe table's line of an ordinal.
func PodLine(set *gstsv1alpha1.GameStatefulSet, ordinal int32, pod *corev1.Pod) []string {
	if pod == nil {
		state := "missing"
		if identity.IsReserved(set, ordinal) {
			state = "reserved"
		}
		return []string{fmt.Sprint(ordinal), identity.PodName(set, ordinal), state, "-", "-", "-", "-", "-", "-"}
	}
	phase := string(pod.Status.Phase)
	if pod.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	ready := "false"
	if planner.IsRunningAndReady(pod) {
		ready = "true"
	}
	revision := identity.Revision(pod)
	switch revision {
	case set.Status.UpdateRevision:
		revision += " (update)"
	case set.Status.CurrentRevision:
		revision += " (current)"
	}
	restarts := int32(0)
	for _, cs := range pod.Status.ContainerStatuses {
		restarts += cs.RestartCount
	}
	state := "-"
	if s := inplace.StateOf(pod); s != nil && s.Revision == identity.Revision(pod) {
		state = "in-place updated"
		if inplace.InProgress(pod, s.Revision) {
			state = "in-place updating"
		}
		if pod.Annotations[inplace.HotPatchStateAnnotation] != "" {
			state = strings.Replace(state, "in-place", "hot-patch", 1)
		}
	}
	return []string{fmt.Sprint(ordinal), pod.Name, phase + "/" + ready, revision, orDash(pod.Spec.NodeName), orDash(pod.Status.PodIP), fmt.Sprint(restarts), state,
		orDash(pod.Labels[planner.StateLabel])}
}

// PodColumns are the columns of describe's pod table.
var PodColumns = []string{"ORDINAL", "POD", "PHASE/READY", "REVISION", "NODE", "IP", "RESTARTS", "UPDATE", "GAME-SERVER-STATE"}
