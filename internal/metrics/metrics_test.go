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

package metrics

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
)

func TestErrorReason(t *testing.T) {
	pods := schema.GroupResource{Resource: "pods"}
	for err, want := range map[error]string{
		apierrors.NewConflict(pods, "web-0", errors.New("changed")):       "Conflict",
		fmt.Errorf("creating: %w", apierrors.NewForbidden(pods, "", nil)): "Forbidden",
		fmt.Errorf("measuring: %w", context.DeadlineExceeded):             "Timeout",
		errors.New("the cloud API said no"):                               "Other",
	} {
		if got := ErrorReason(err); got != want {
			t.Errorf("%v: %s, want %s", err, got, want)
		}
	}
}

func TestRecordStatusKeepsOnlyTheCurrentConditionsAndWaits(t *testing.T) {
	set := &gstsv1alpha1.GameStatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: "game", Name: "web"}}
	since := time.Unix(1_800_000_000, 0)
	record := func(reason string, waiting ...planner.Waiting) {
		RecordStatus(set, gstsv1alpha1.GameStatefulSetStatus{Conditions: []metav1.Condition{
			{Type: gstsv1alpha1.ConditionProgressing, Status: metav1.ConditionFalse, Reason: reason}}},
			planner.Progress{Last: since, Deadline: 30 * time.Second, Waiting: waiting})
	}
	record("RolloutInProgress", planner.Waiting{Reason: planner.WaitReadiness, Pods: 2, Since: since})
	record(planner.ReasonProgressDeadlineExceeded)
	want := `
# HELP gamestatefulset_status_condition 1 for each condition of a GameStatefulSet (Ready, Progressing, ReplicaFailure) with its current status and reason; the series of earlier reasons are removed.
# TYPE gamestatefulset_status_condition gauge
gamestatefulset_status_condition{name="web",namespace="game",reason="ProgressDeadlineExceeded",status="False",type="Progressing"} 1
`
	if err := testutil.CollectAndCompare(Condition, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(PodsWaiting); n != 0 {
		t.Errorf("%d waiting series after nothing waits", n)
	}
	if got := testutil.ToFloat64(LastProgress.WithLabelValues("game", "web")); got != 1_800_000_000 {
		t.Errorf("last progress %v", got)
	}
	Forget("game", "web")
	if n := testutil.CollectAndCount(Condition) + testutil.CollectAndCount(LastProgress); n != 0 {
		t.Errorf("%d series of a deleted set", n)
	}
}

func TestRecordStatusStartsTheHookRunCountsOfTheSetsHooksAtZero(t *testing.T) {
	set := &gstsv1alpha1.GameStatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: "game", Name: "hooked"}}
	set.Spec.UpdateStrategy.CanaryStrategy = &gstsv1alpha1.CanaryStrategy{Steps: []gstsv1alpha1.CanaryStep{
		{Hook: &gstsv1alpha1.HookStep{TemplateName: "check"}}}}
	set.Spec.PostInplaceUpdateStrategy.Hook = &gstsv1alpha1.HookStep{TemplateName: "warm-up"}
	RecordStatus(set, gstsv1alpha1.GameStatefulSetStatus{}, planner.Progress{})
	defer Forget("game", "hooked")
	if n := testutil.CollectAndCount(HookRunsCompleted); n != 2*len(gstsv1alpha1.CompletedHookPhases) {
		t.Fatalf("%d hook run series, want one per hook kind and final phase", n)
	}
	HookRunsCompleted.WithLabelValues("game", "hooked", "post-inplace-step", "Successful").Inc()
	if got := testutil.ToFloat64(HookRunsCompleted.WithLabelValues("game", "hooked", "canary-step", "Failed")); got != 0 {
		t.Errorf("canary Failed at %v before any run", got)
	}
	RecordStatus(set, gstsv1alpha1.GameStatefulSetStatus{}, planner.Progress{})
	if got := testutil.ToFloat64(HookRunsCompleted.WithLabelValues("game", "hooked", "post-inplace-step", "Successful")); got != 1 {
		t.Errorf("a later status reset the count to %v", got)
	}
}
