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

package tencentcloud

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/tests/fakeclb"
)

func setup(t *testing.T) (*Provider, *fakeclb.Server) {
	t.Helper()
	fake := fakeclb.New("AKID-test", "secret-test")
	fake.AddLoadBalancer("lb-game", "203.0.113.10")
	endpoint, stop, err := fake.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	p := &Provider{QPS: 200, TaskPoll: 10 * time.Millisecond, RetryPause: 5 * time.Millisecond, TaskTimeout: 5 * time.Second,
		Config: func(context.Context) (Config, error) {
			return Config{SecretID: "AKID-test", SecretKey: "secret-test", Region: "ap-guangzhou", Endpoint: endpoint, Scheme: "http"}, nil
		}}
	return p, fake
}

func listener(port, end int32, protocol string, ips ...string) *gstsv1alpha1.Listener {
	l := &gstsv1alpha1.Listener{ObjectMeta: metav1.ObjectMeta{Name: "game-lb-game-tcp", Namespace: "ns"},
		Spec: gstsv1alpha1.ListenerSpec{Provider: gstsv1alpha1.TencentCloudProvider, LoadbalancerID: "ap-guangzhou:lb-game",
			Port: port, EndPort: end, Protocol: protocol, TargetGroup: &gstsv1alpha1.ListenerTargetGroup{}}}
	for _, ip := range ips {
		l.Spec.TargetGroup.Backends = append(l.Spec.TargetGroup.Backends, gstsv1alpha1.ListenerBackend{IP: ip, Port: 7000, Weight: 10})
	}
	return l
}

func actions(calls []fakeclb.Call) string {
	var out []string
	for _, c := range calls {
		if c.Action == "DescribeTaskStatus" || strings.HasPrefix(c.Action, "Describe") {
			continue
		}
		s := c.Action
		if c.ErrorCode != "" {
			s += "!" + c.ErrorCode
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestEnsureCreatesOnceAndMovesTargetsByDiff(t *testing.T) {
	p, fake := setup(t)
	ctx := context.Background()
	l := listener(31000, 31003, "TCP", "10.0.0.5")
	got, err := p.Ensure(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got.ListenerID, "lbl-") || got.Address != "203.0.113.10" {
		t.Fatalf("observed %+v", got)
	}
	state := fake.Listeners()
	if len(state) != 1 || state[0].EndPort != 31003 || len(state[0].Targets) != 1 || state[0].Targets[0].IP != "10.0.0.5" {
		t.Fatalf("cloud state %+v", state)
	}
	if a := actions(fake.Calls()); a != "CreateListener RegisterTargets" {
		t.Fatalf("calls %s", a)
	}

	// the pod is recreated with a new IP: out with the old, in with the new, on the same listener
	fake.ResetCalls()
	l.Status.ListenerID = got.ListenerID
	l.Spec.TargetGroup.Backends[0].IP = "10.0.0.9"
	again, err := p.Ensure(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if again.ListenerID != got.ListenerID {
		t.Errorf("listener id moved from %s to %s", got.ListenerID, again.ListenerID)
	}
	if a := actions(fake.Calls()); a != "DeregisterTargets RegisterTargets" {
		t.Fatalf("calls %s", a)
	}
	for _, c := range fake.Calls() {
		if (c.Action == "DeregisterTargets" || c.Action == "RegisterTargets") && c.ListenerID != got.ListenerID {
			t.Errorf("%s on %s, not %s", c.Action, c.ListenerID, got.ListenerID)
		}
	}

	// nothing changed: nothing written
	fake.ResetCalls()
	if _, err := p.Ensure(ctx, l); err != nil {
		t.Fatal(err)
	}
	if a := actions(fake.Calls()); a != "" {
		t.Errorf("an unchanged listener wrote %s", a)
	}

	if err := p.Delete(ctx, l); err != nil {
		t.Fatal(err)
	}
	if len(fake.Listeners()) != 0 {
		t.Errorf("left %+v", fake.Listeners())
	}
	if err := p.Delete(ctx, l); err != nil {
		t.Errorf("deleting a deleted listener: %v", err)
	}
}

func TestEnsureAfterALostStatusFindsTheListenerByPort(t *testing.T) {
	p, fake := setup(t)
	ctx := context.Background()
	if _, err := p.Ensure(ctx, listener(31000, 0, "UDP", "10.0.0.5")); err != nil {
		t.Fatal(err)
	}
	fake.ResetCalls()
	// the status write of the first sync was lost: no id recorded
	if _, err := p.Ensure(ctx, listener(31000, 0, "UDP", "10.0.0.5")); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.CallsOf("CreateListener")); n != 0 {
		t.Errorf("%d more CreateListener", n)
	}
	// another listener's segment on those ports is a conflict to report, not to override
	if _, err := p.Ensure(ctx, listener(31000, 31003, "UDP")); err == nil || !strings.Contains(err.Error(), "has UDP ports 31000, this one needs 31000-31003") {
		t.Errorf("error %v", err)
	}
}

func TestThrottledAndBusyCallsHealWithinOneSync(t *testing.T) {
	p, fake := setup(t)
	fake.FailNext("CreateListener", "RequestLimitExceeded", 2)
	fake.FailNext("RegisterTargets", "FailedOperation.ResourceInOperating", 1)
	if _, err := p.Ensure(context.Background(), listener(31000, 0, "TCP", "10.0.0.5")); err != nil {
		t.Fatal(err)
	}
	want := "CreateListener!RequestLimitExceeded CreateListener!RequestLimitExceeded CreateListener RegisterTargets!FailedOperation.ResourceInOperating RegisterTargets"
	if a := actions(fake.Calls()); a != want {
		t.Errorf("calls %s\nwant  %s", a, want)
	}
}

func TestTargetsGoInBatchesOfTwenty(t *testing.T) {
	p, fake := setup(t)
	var ips []string
	for i := 0; i < 45; i++ {
		ips = append(ips, "10.0.1."+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	// the fake takes any string as an ENI IP; what matters is the batching
	if _, err := p.Ensure(context.Background(), listener(31000, 0, "TCP", ips...)); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, c := range fake.CallsOf("RegisterTargets") {
		sizes = append(sizes, len(c.Targets))
	}
	if len(sizes) != 3 || sizes[0] != 20 || sizes[1] != 20 || sizes[2] != 5 {
		t.Errorf("batches %v", sizes)
	}
}

func TestPermanentErrorsSurface(t *testing.T) {
	p, fake := setup(t)
	l := listener(31000, 0, "TCP")
	l.Spec.LoadbalancerID = "lb-missing"
	if _, err := p.Ensure(context.Background(), l); err == nil || !strings.Contains(err.Error(), "LBIdNotFound") {
		t.Errorf("error %v", err)
	}
	fake.FailNext("CreateListener", "RequestLimitExceeded", attempts)
	if _, err := p.Ensure(context.Background(), listener(31000, 0, "TCP")); err == nil || !strings.Contains(err.Error(), "RequestLimitExceeded") {
		t.Errorf("error %v", err)
	}
	if region, lb := SplitID("lb-x", "ap-guangzhou"); region != "ap-guangzhou" || lb != "lb-x" {
		t.Errorf("split %s %s", region, lb)
	}
}
