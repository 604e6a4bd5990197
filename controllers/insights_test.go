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
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
)

func TestInventoryCollectorCountsByPhaseAndStateOnTheLeaderOnly(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := gstsv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	run := func(name, kind string, phase gstsv1alpha1.HookPhase) *gstsv1alpha1.HookRun {
		return &gstsv1alpha1.HookRun{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "game",
			Labels: map[string]string{hook.SetLabel: "web", hook.TypeLabel: kind}}, Status: gstsv1alpha1.HookRunStatus{Phase: phase}}
	}
	listener := func(name, state string) *gstsv1alpha1.Listener {
		return &gstsv1alpha1.Listener{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "game"},
			Spec: gstsv1alpha1.ListenerSpec{Provider: "local"}, Status: gstsv1alpha1.ListenerStatus{Status: state}}
	}
	reader := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		run("a", "pre-delete-step", gstsv1alpha1.HookPhaseFailed), run("b", "pre-delete-step", gstsv1alpha1.HookPhaseFailed),
		run("c", "canary-step", ""), listener("l1", gstsv1alpha1.ListenerSynced), listener("l2", "")).Build()

	standby := &InventoryCollector{Reader: reader, Elected: make(chan struct{})}
	if n := testutil.CollectAndCount(standby); n != 0 {
		t.Errorf("a standby reported %d series", n)
	}
	elected := make(chan struct{})
	close(elected)
	want := `
# HELP gamestatefulset_hookruns ` + hookRunsHelp + `
# TYPE gamestatefulset_hookruns gauge
gamestatefulset_hookruns{name="web",namespace="game",phase="Failed",type="pre-delete-step"} 2
gamestatefulset_hookruns{name="web",namespace="game",phase="Pending",type="canary-step"} 1
# HELP gamestatefulset_listeners ` + listenersHelp + `
# TYPE gamestatefulset_listeners gauge
gamestatefulset_listeners{namespace="game",provider="local",state="Pending"} 1
gamestatefulset_listeners{namespace="game",provider="local",state="Synced"} 1
`
	if err := testutil.CollectAndCompare(&InventoryCollector{Reader: reader, Elected: elected}, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
