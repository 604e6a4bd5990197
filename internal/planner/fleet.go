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
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
)

// The labels a game server (or a hook, or a person) sets on its pod to steer the operator.
const (
	// StateLabel is the game server's state: None, WaitToBeDeleted, Maintaining or Allocated (has players).
	StateLabel = "tkex.tencent.com/game-server-state"
	// DeletionPriorityLabel is an integer: among servers of one state, a scale-down removes the highest first.
	DeletionPriorityLabel = "tkex.tencent.com/deletion-priority"
	// UpdatePriorityLabel is an integer: an update takes the highest first, instead of the highest ordinal.
	UpdatePriorityLabel = "tkex.tencent.com/update-priority"
	// ReplaceLabel set to "true" makes the operator delete the pod and create it again at its ordinal.
	ReplaceLabel = "tkex.tencent.com/replace"
	// DeletionCostAnnotation is Kubernetes' pod deletion cost, which the upstream GameDeployment reads: among
	// servers of one state and priority, the cheapest goes first.
	DeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"
)

// The states of a game server, in the order a scale-down removes them.
const (
	StateWaitToBeDeleted = "WaitToBeDeleted"
	StateNone            = "None"
	StateMaintaining     = "Maintaining"
	StateAllocated       = "Allocated"
)

var stateRank = map[string]int{StateWaitToBeDeleted: 0, StateNone: 1, "": 1, StateMaintaining: 2, StateAllocated: 3}

func rankOf(pod *corev1.Pod) int {
	if r, ok := stateRank[pod.Labels[StateLabel]]; ok {
		return r
	}
	return stateRank[StateNone]
}

func intLabel(values map[string]string, key string) int64 {
	v, ok := values[key]
	if !ok || v == "" {
		// most pods set none: no parse, no error to allocate
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// removalOrder sorts pods so that those a scale-down removes first come first: WaitToBeDeleted, then None, then
// Maintaining, then Allocated; within a state the highest deletion priority, then the lowest deletion cost, then
// the highest ordinal, as a StatefulSet would.
func (in *Input) removalOrder(pods []*corev1.Pod) {
	// the keys are read once per pod, not in each of the N log N comparisons: parsing a pod's ordinal out of its
	// name allocates, and this runs on every reconcile of a scale-down
	type removalKey struct {
		pod            *corev1.Pod
		rank           int
		priority, cost int64
		ordinal        int32
	}
	keys := make([]removalKey, len(pods))
	for i, pod := range pods {
		ordinal, _ := identity.OrdinalOf(in.Set, pod.Name)
		keys[i] = removalKey{pod: pod, rank: rankOf(pod), priority: intLabel(pod.Labels, DeletionPriorityLabel),
			cost: intLabel(pod.Annotations, DeletionCostAnnotation), ordinal: ordinal}
	}
	slices.SortStableFunc(keys, func(a, b removalKey) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(b.priority, a.priority), cmp.Compare(a.cost, b.cost),
			cmp.Compare(b.ordinal, a.ordinal))
	})
	for i := range keys {
		pods[i] = keys[i].pod
	}
}

// planScaleDownChoice picks the game servers a scale-down removes when they are not the highest ordinals, and
// reserves their ordinals so that every other server keeps its ordinal, name and volumes. It returns true when
// it asked for reservations: the scale-down waits for them.
func planScaleDownChoice(in *Input, plan *Plan) bool {
	set := in.Set
	n := len(in.ordinalList())
	if len(in.Pods) <= n {
		// no more pods than ordinals: nothing to choose
		return false
	}
	reserved := identity.Reserved(set)
	var candidates []*corev1.Pod
	occupied := map[int32]bool{}
	highest := int32(-1)
	for _, pod := range in.Pods {
		ord, _ := identity.OrdinalOf(set, pod.Name)
		occupied[ord] = true
		if IsTerminating(pod) || identity.InRanges(reserved, ord) || ord < identity.StartOrdinal(set) {
			continue
		}
		candidates = append(candidates, pod)
		highest = max(highest, ord)
	}
	if len(candidates) <= n {
		return false
	}
	in.removalOrder(candidates)
	victims := candidates[:len(candidates)-n]
	desired := map[int32]bool{}
	for _, ord := range in.ordinalList() {
		desired[ord] = true
	}
	choice := false
	for _, pod := range victims {
		if ord, _ := identity.OrdinalOf(set, pod.Name); desired[ord] {
			choice = true
		}
	}
	if !choice {
		// the highest ordinals are the ones to go: the plain scale-down
		return false
	}
	for ord := identity.StartOrdinal(set); ord < highest; ord++ {
		if !occupied[ord] && !identity.InRanges(reserved, ord) {
			// a missing pod below the others is created first: reserving around it would move it, and the plain
			// scale-down would remove servers the choice spares
			plan.wait(0, "scaling down waits for pod %s: the servers to remove are chosen once it exists", identity.PodName(set, ord))
			return true
		}
	}
	var ordinals []int32
	var names []string
	for _, pod := range victims {
		ord, _ := identity.OrdinalOf(set, pod.Name)
		ordinals = append(ordinals, ord)
		names = append(names, pod.Name)
	}
	sort.Slice(ordinals, func(i, j int) bool { return ordinals[i] < ordinals[j] })
	plan.add(Action{Type: ReserveOrdinals, Ordinals: ordinals,
		Reason: fmt.Sprintf("scale down by removing %s, chosen by state, deletion priority and cost", strings.Join(names, ", "))})
	plan.wait(0, "reserving the ordinals of %s before scaling down", strings.Join(names, ", "))
	return true
}

// planReplacements deletes the pods labelled for replacement, within maxUnavailable and through the pre-delete
// hook: they come back at their ordinal, from the revision their ordinal gets.
func planReplacements(in *Input, plan *Plan, replicas []*corev1.Pod, availability *budget) {
	ordinals := in.ordinalList()
	for i, pod := range replicas {
		if pod == nil || IsTerminating(pod) || pod.Labels[ReplaceLabel] != "true" {
			continue
		}
		if !availability.take(in.serving(pod)) {
			plan.wait(0, "replacing pod %s: maxUnavailable (%d) pods are unavailable", pod.Name, MaxUnavailable(in.Set))
			continue
		}
		if !in.gate(plan, in.preDeleteHook(), pod, "replaced") {
			continue
		}
		plan.add(Action{Type: DeletePod, Ordinal: ordinals[i], Pod: pod, Reason: "replacement requested by its " + ReplaceLabel + " label"})
	}
}

// updateOrder lists the indexes of the pods at or above the partition in the order an update takes them.
func updateOrder(replicas []*corev1.Pod, ordinals []int32, partition int32) []int {
	indexes := make([]int, 0, len(replicas))
	for i := len(replicas) - 1; i >= 0 && ordinals[i] >= partition; i-- {
		indexes = append(indexes, i)
	}
	byUpdatePriority(replicas, indexes)
	return indexes
}

// byUpdatePriority orders the indexes of pods to update: the highest update priority first, then the highest
// ordinal, as without priorities. The priorities are read once; without any the order stays as it is.
func byUpdatePriority(replicas []*corev1.Pod, indexes []int) {
	var weights map[int]int64
	for _, i := range indexes {
		if pod := replicas[i]; pod != nil {
			if w := intLabel(pod.Labels, UpdatePriorityLabel); w != 0 {
				if weights == nil {
					weights = map[int]int64{}
				}
				weights[i] = w
			}
		}
	}
	if len(weights) == 0 {
		return
	}
	sort.SliceStable(indexes, func(a, b int) bool {
		if wa, wb := weights[indexes[a]], weights[indexes[b]]; wa != wb {
			return wa > wb
		}
		return indexes[a] > indexes[b]
	})
}

// ordinalList is the ordinals the plan keeps pods at: the set's ordinals, then the surge ones an update adds.
func (in *Input) ordinalList() []int32 {
	if in.ordinals == nil {
		ordinals := identity.Ordinals(in.Set)
		if surge := in.surge(ordinals); surge > 0 {
			ordinals = append(ordinals, surgeOrdinals(in.Set, ordinals, surge)...)
		}
		in.ordinals = ordinals
	}
	return in.ordinals
}

// MaxSurge is rollingUpdate.maxSurge as a number of pods, rounded up as upstream; 0 without it.
func MaxSurge(set *gstsv1alpha1.GameStatefulSet) int32 {
	ru := set.Spec.UpdateStrategy.RollingUpdate
	if ru == nil || ru.MaxSurge == nil {
		return 0
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(ru.MaxSurge, int(identity.Replicas(set)), true)
	if err != nil || n < 0 {
		return 0
	}
	return int32(n)
}

// surge is how many pods above replicas the update may run now, as upstream: maxSurge, at most the pods of the
// set's ordinals still to be updated and ready, and only for Parallel sets with an update in progress.
func (in *Input) surge(ordinals []int32) int32 {
	set := in.Set
	max := MaxSurge(set)
	if max == 0 || set.Spec.PodManagementPolicy != gstsv1alpha1.ParallelPodManagement ||
		set.Spec.UpdateStrategy.Type == gstsv1alpha1.OnDeleteStatefulSetStrategyType || in.CurrentRevision == in.UpdateRevision {
		return 0
	}
	index := make(map[int32]bool, len(ordinals))
	for _, ord := range ordinals {
		index[ord] = true
	}
	partition := in.partition
	if partition == 0 && len(canarySteps(set)) == 0 {
		partition = PartitionOrdinal(set)
	}
	toUpdate := int32(0)
	for _, ord := range ordinals {
		if ord >= partition {
			toUpdate++
		}
	}
	for _, pod := range in.Pods {
		ord, _ := identity.OrdinalOf(set, pod.Name)
		if index[ord] && ord >= partition && !IsTerminating(pod) && identity.Revision(pod) == in.UpdateRevision &&
			!inplace.InProgress(pod, in.UpdateRevision) && IsRunningAndReady(pod) {
			toUpdate--
		}
	}
	return min(max, toUpdate)
}

// surgeOrdinals are the n unreserved ordinals after the set's last one.
func surgeOrdinals(set *gstsv1alpha1.GameStatefulSet, ordinals []int32, n int32) []int32 {
	next := identity.StartOrdinal(set)
	if len(ordinals) > 0 {
		next = ordinals[len(ordinals)-1] + 1
	}
	reserved := identity.Reserved(set)
	var extra []int32
	for ord := next; int32(len(extra)) < n && ord < math.MaxInt32; ord++ {
		if !identity.InRanges(reserved, ord) {
			extra = append(extra, ord)
		}
	}
	return extra
}

// CreateBatch is scaleStrategy.createBatch as a number of pods, rounded up: how many pods of a Parallel set may be
// starting (created, not yet Running and Ready) at once. All of them without it, as upstream's 100%.
func CreateBatch(set *gstsv1alpha1.GameStatefulSet) int {
	replicas := int(identity.Replicas(set)) + int(MaxSurge(set))
	s := set.Spec.ScaleStrategy
	if s == nil || s.CreateBatch == nil {
		return max(1, replicas)
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(s.CreateBatch, int(identity.Replicas(set)), true)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// starting counts the pods of the plan's ordinals that are starting: not terminating, not failed, not yet Running
// and Ready.
func (in *Input) starting(replicas []*corev1.Pod) int {
	n := 0
	for _, pod := range replicas {
		if pod != nil && !IsTerminating(pod) && !IsFailed(pod) && !IsRunningAndReady(pod) && !in.updating(pod) {
			n++
		}
	}
	return n
}

// ordinalIndex finds an ordinal's place in an ascending list of ordinals: by arithmetic when the list has no gaps
// (no reservations), which is most sets, by a map otherwise.
type ordinalIndex struct {
	first, count int32
	contiguous   bool
	places       map[int32]int
}

func newOrdinalIndex(ordinals []int32) ordinalIndex {
	n := int32(len(ordinals))
	if n == 0 || ordinals[n-1]-ordinals[0] == n-1 {
		x := ordinalIndex{count: n, contiguous: true}
		if n > 0 {
			x.first = ordinals[0]
		}
		return x
	}
	places := make(map[int32]int, n)
	for i, ord := range ordinals {
		places[ord] = i
	}
	return ordinalIndex{places: places}
}

func (x ordinalIndex) of(ordinal int32) (int, bool) {
	if x.contiguous {
		i := ordinal - x.first
		return int(i), i >= 0 && i < x.count
	}
	i, ok := x.places[ordinal]
	return i, ok
}
