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

// The tests talk to the fake only through the official SDK client, because what the fake promises is that the
// SDK cannot tell it from the real CLB.
package fakeclb_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	clb "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/clb/v20180317"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	tchttp "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/http"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"

	"github.com/gamestatefulset/gamestatefulset-operator/tests/fakeclb"
)

const (
	secretID  = "AKIDfakeclbtest"
	secretKey = "fakeclb-secret-key"
	lbID      = "lb-fake0001"
	vip       = "10.1.2.3"
)

func start(t *testing.T) (*fakeclb.Server, *clb.Client) {
	t.Helper()
	s := fakeclb.New(secretID, secretKey)
	s.AddLoadBalancer(lbID, vip)
	endpoint, stop, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return s, newClient(t, endpoint, secretID, secretKey, false)
}

func newClient(t *testing.T, endpoint, id, key string, unsignedPayload bool) *clb.Client {
	t.Helper()
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint = endpoint
	cpf.HttpProfile.Scheme = "HTTP"
	cpf.HttpProfile.ReqTimeout = 10
	cpf.UnsignedPayload = unsignedPayload
	c, err := clb.NewClient(common.NewCredential(id, key), "ap-guangzhou", cpf)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// codeOf is the API error code of err, "" for success.
func codeOf(err error) string {
	if err == nil {
		return ""
	}
	var e *sdkerrors.TencentCloudSDKError
	if errors.As(err, &e) {
		return e.Code
	}
	return "not an SDK error: " + err.Error()
}

func createListener(c *clb.Client, lb, protocol string, ports []int64, endPort uint64, names ...string) (*clb.CreateListenerResponse, error) {
	req := clb.NewCreateListenerRequest()
	req.LoadBalancerId = common.StringPtr(lb)
	req.Protocol = common.StringPtr(protocol)
	req.Ports = common.Int64Ptrs(ports)
	if endPort != 0 {
		req.EndPort = common.Uint64Ptr(endPort)
	}
	if len(names) > 0 {
		req.ListenerNames = common.StringPtrs(names)
	}
	return c.CreateListener(req)
}

func mustCreate(t *testing.T, c *clb.Client, protocol string, port int64, endPort uint64) string {
	t.Helper()
	resp, err := createListener(c, lbID, protocol, []int64{port}, endPort)
	if err != nil {
		t.Fatalf("CreateListener %s %d: %v", protocol, port, err)
	}
	return *resp.Response.ListenerIds[0]
}

func eniTargets(port int64, ips ...string) []*clb.Target {
	var out []*clb.Target
	for _, ip := range ips {
		out = append(out, &clb.Target{EniIp: common.StringPtr(ip), Port: common.Int64Ptr(port), Weight: common.Int64Ptr(10)})
	}
	return out
}

func register(c *clb.Client, listenerID string, targets []*clb.Target) (*clb.RegisterTargetsResponse, error) {
	req := clb.NewRegisterTargetsRequest()
	req.LoadBalancerId = common.StringPtr(lbID)
	req.ListenerId = common.StringPtr(listenerID)
	req.Targets = targets
	return c.RegisterTargets(req)
}

func deregister(c *clb.Client, listenerID string, targets []*clb.Target) error {
	req := clb.NewDeregisterTargetsRequest()
	req.LoadBalancerId = common.StringPtr(lbID)
	req.ListenerId = common.StringPtr(listenerID)
	req.Targets = targets
	_, err := c.DeregisterTargets(req)
	return err
}

// describedTargets maps listener ID to its targets as "ip:port".
func describedTargets(t *testing.T, c *clb.Client) map[string][]string {
	t.Helper()
	req := clb.NewDescribeTargetsRequest()
	req.LoadBalancerId = common.StringPtr(lbID)
	resp, err := c.DescribeTargets(req)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, l := range resp.Response.Listeners {
		out[*l.ListenerId] = []string{}
		for _, b := range l.Targets {
			if *b.Type != "ENI" || len(b.PrivateIpAddresses) != 1 || *b.Weight != 10 {
				t.Errorf("backend %+v: want an ENI with one private address and weight 10", b)
				continue
			}
			out[*l.ListenerId] = append(out[*l.ListenerId], fmt.Sprintf("%s:%d", *b.PrivateIpAddresses[0], *b.Port))
		}
	}
	return out
}

func TestCreateListener(t *testing.T) {
	s, c := start(t)
	// In order: each case sees the listeners of the cases before it.
	cases := []struct {
		name     string
		lb       string
		protocol string
		ports    []int64
		endPort  uint64
		wantCode string
		wantIDs  int
	}{
		{name: "single port", lb: lbID, protocol: "TCP", ports: []int64{8080}, wantIDs: 1},
		{name: "several ports", lb: lbID, protocol: "tcp", ports: []int64{8081, 8082}, wantIDs: 2},
		{name: "segment", lb: lbID, protocol: "UDP", ports: []int64{9000}, endPort: 9010, wantIDs: 1},
		{name: "same port other protocol", lb: lbID, protocol: "UDP", ports: []int64{8080}, wantIDs: 1},
		{name: "same port same protocol", lb: lbID, protocol: "TCP", ports: []int64{8080}, wantCode: "InvalidParameter.PortCheckFailed"},
		{name: "port inside a segment", lb: lbID, protocol: "UDP", ports: []int64{9005}, wantCode: "InvalidParameter.PortCheckFailed"},
		{name: "segment over a port", lb: lbID, protocol: "TCP", ports: []int64{8070}, endPort: 8081, wantCode: "InvalidParameter.PortCheckFailed"},
		{name: "segment touching a segment", lb: lbID, protocol: "UDP", ports: []int64{9010}, endPort: 9020, wantCode: "InvalidParameter.PortCheckFailed"},
		{name: "duplicate within the call", lb: lbID, protocol: "TCP", ports: []int64{7000, 7000}, wantCode: "InvalidParameter.PortCheckFailed"},
		{name: "segment with two ports", lb: lbID, protocol: "TCP", ports: []int64{7100, 7200}, endPort: 7300, wantCode: "InvalidParameterValue"},
		{name: "segment ending below its start", lb: lbID, protocol: "TCP", ports: []int64{7100}, endPort: 7000, wantCode: "InvalidParameterValue"},
		{name: "unknown load balancer", lb: "lb-nothere", protocol: "TCP", ports: []int64{7000}, wantCode: "InvalidParameter.LBIdNotFound"},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		resp, err := createListener(c, tc.lb, tc.protocol, tc.ports, tc.endPort)
		if got := codeOf(err); got != tc.wantCode {
			t.Fatalf("%s: code %q, want %q (%v)", tc.name, got, tc.wantCode, err)
		}
		if err != nil {
			if tc.wantCode == "InvalidParameter.PortCheckFailed" && !strings.Contains(err.Error(), "conflict") && !strings.Contains(err.Error(), "twice") {
				t.Errorf("%s: message does not name the conflict: %v", tc.name, err)
			}
			continue
		}
		if len(resp.Response.ListenerIds) != tc.wantIDs || *resp.Response.RequestId == "" {
			t.Fatalf("%s: response %+v", tc.name, resp.Response)
		}
		for _, id := range resp.Response.ListenerIds {
			if !strings.HasPrefix(*id, "lbl-") || len(*id) != 12 || seen[*id] {
				t.Errorf("%s: listener ID %q is not a fresh lbl-xxxxxxxx", tc.name, *id)
			}
			seen[*id] = true
		}
	}
	if n := len(s.Listeners()); n != 5 {
		t.Fatalf("refused calls changed state: %d listeners, want 5", n)
	}

	// DescribeListeners with each filter.
	filters := []struct {
		name      string
		protocol  string
		port      int64
		wantPorts []int64
	}{
		{name: "all", wantPorts: []int64{8080, 8080, 8081, 8082, 9000}},
		{name: "protocol", protocol: "udp", wantPorts: []int64{8080, 9000}},
		{name: "port", port: 8080, wantPorts: []int64{8080, 8080}},
		{name: "segment by its first port", protocol: "UDP", port: 9000, wantPorts: []int64{9000}},
	}
	for _, f := range filters {
		req := clb.NewDescribeListenersRequest()
		req.LoadBalancerId = common.StringPtr(lbID)
		if f.protocol != "" {
			req.Protocol = common.StringPtr(f.protocol)
		}
		if f.port != 0 {
			req.Port = common.Int64Ptr(f.port)
		}
		resp, err := c.DescribeListeners(req)
		if err != nil {
			t.Fatal(err)
		}
		var ports []int64
		for _, l := range resp.Response.Listeners {
			ports = append(ports, *l.Port)
			wantEnd := int64(0)
			if *l.Port == 9000 {
				wantEnd = 9010
			}
			if *l.EndPort != wantEnd || (*l.Protocol != "TCP" && *l.Protocol != "UDP") {
				t.Errorf("%s: listener %s %s %d-%d", f.name, *l.ListenerId, *l.Protocol, *l.Port, *l.EndPort)
			}
		}
		if !reflect.DeepEqual(ports, f.wantPorts) || *resp.Response.TotalCount != uint64(len(f.wantPorts)) {
			t.Errorf("%s: ports %v (total %d), want %v", f.name, ports, *resp.Response.TotalCount, f.wantPorts)
		}
	}

	// Names and IDs come back as created.
	resp, err := createListener(c, lbID, "TCP", []int64{6000}, 0, "game-6000")
	if err != nil {
		t.Fatal(err)
	}
	id := *resp.Response.ListenerIds[0]
	req := clb.NewDescribeListenersRequest()
	req.LoadBalancerId = common.StringPtr(lbID)
	req.ListenerIds = common.StringPtrs([]string{id})
	got, err := c.DescribeListeners(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Response.Listeners) != 1 || *got.Response.Listeners[0].ListenerName != "game-6000" || *got.Response.Listeners[0].ListenerId != id {
		t.Errorf("DescribeListeners by ID: %+v", got.Response.Listeners)
	}
}

func TestDeleteListeners(t *testing.T) {
	s, c := start(t)
	a := mustCreate(t, c, "TCP", 8000, 0)
	mustCreate(t, c, "TCP", 8001, 0)
	mustCreate(t, c, "UDP", 8002, 8005)

	del := func(ids ...string) error {
		req := clb.NewDeleteLoadBalancerListenersRequest()
		req.LoadBalancerId = common.StringPtr(lbID)
		if len(ids) > 0 {
			req.ListenerIds = common.StringPtrs(ids)
		}
		_, err := c.DeleteLoadBalancerListeners(req)
		return err
	}
	if err := del(a); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Listeners()); n != 2 {
		t.Fatalf("%d listeners after deleting one of 3", n)
	}
	if code := codeOf(del(a)); code != "InvalidParameter.ListenerIdNotFound" {
		t.Fatalf("deleting a deleted listener: %q", code)
	}
	// The freed port can be taken again.
	mustCreate(t, c, "TCP", 8000, 0)
	if err := del(); err != nil {
		t.Fatal(err)
	}
	if n := len(s.Listeners()); n != 0 {
		t.Fatalf("%d listeners after deleting all", n)
	}
}

func TestTargets(t *testing.T) {
	_, c := start(t)
	tcp := mustCreate(t, c, "TCP", 8080, 0)
	udp := mustCreate(t, c, "UDP", 9000, 9010)

	steps := []struct {
		name     string
		deregist bool
		listener string
		targets  []*clb.Target
		wantCode string
		want     map[string][]string
	}{
		{name: "register", listener: tcp, targets: eniTargets(7777, "10.0.0.2", "10.0.0.1"),
			want: map[string][]string{tcp: {"10.0.0.1:7777", "10.0.0.2:7777"}, udp: {}}},
		{name: "register again dedups", listener: tcp, targets: eniTargets(7777, "10.0.0.1", "10.0.0.1"),
			want: map[string][]string{tcp: {"10.0.0.1:7777", "10.0.0.2:7777"}, udp: {}}},
		{name: "same ip other port", listener: tcp, targets: eniTargets(7778, "10.0.0.1"),
			want: map[string][]string{tcp: {"10.0.0.1:7777", "10.0.0.1:7778", "10.0.0.2:7777"}, udp: {}}},
		{name: "segment listener", listener: udp, targets: eniTargets(9000, "10.0.0.3"),
			want: map[string][]string{tcp: {"10.0.0.1:7777", "10.0.0.1:7778", "10.0.0.2:7777"}, udp: {"10.0.0.3:9000"}}},
		{name: "deregister", deregist: true, listener: tcp, targets: eniTargets(7777, "10.0.0.1", "10.0.0.2"),
			want: map[string][]string{tcp: {"10.0.0.1:7778"}, udp: {"10.0.0.3:9000"}}},
		{name: "unknown listener", listener: "lbl-nothere", targets: eniTargets(1, "10.0.0.9"),
			wantCode: "InvalidParameter.ListenerIdNotFound"},
		{name: "too many targets", listener: tcp, targets: eniTargets(1, strings.Split(strings.Repeat("10.0.1.1,", 21), ",")[:21]...),
			wantCode: "LimitExceeded"},
		{name: "no address", listener: tcp, targets: []*clb.Target{{Port: common.Int64Ptr(1)}},
			wantCode: "InvalidParameterValue"},
	}
	for _, st := range steps {
		var err error
		if st.deregist {
			err = deregister(c, st.listener, st.targets)
		} else {
			_, err = register(c, st.listener, st.targets)
		}
		if got := codeOf(err); got != st.wantCode {
			t.Fatalf("%s: code %q, want %q (%v)", st.name, got, st.wantCode, err)
		}
		if st.want != nil {
			if got := describedTargets(t, c); !reflect.DeepEqual(got, st.want) {
				t.Fatalf("%s: targets %v, want %v", st.name, got, st.want)
			}
		}
	}

	// Filters of DescribeTargets.
	req := clb.NewDescribeTargetsRequest()
	req.LoadBalancerId = common.StringPtr(lbID)
	req.Protocol = common.StringPtr("UDP")
	resp, err := c.DescribeTargets(req)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Response.Listeners) != 1 || *resp.Response.Listeners[0].ListenerId != udp || *resp.Response.Listeners[0].EndPort != 9010 {
		t.Errorf("DescribeTargets by protocol: %+v", resp.Response.Listeners)
	}

	// An instance target is reported as a CVM by its instance ID.
	if _, err := register(c, tcp, []*clb.Target{{InstanceId: common.StringPtr("ins-abc"), Port: common.Int64Ptr(80)}}); err != nil {
		t.Fatal(err)
	}
	req = clb.NewDescribeTargetsRequest()
	req.LoadBalancerId = common.StringPtr(lbID)
	req.ListenerIds = common.StringPtrs([]string{tcp})
	resp, err = c.DescribeTargets(req)
	if err != nil {
		t.Fatal(err)
	}
	var cvm int
	for _, b := range resp.Response.Listeners[0].Targets {
		if *b.Type == "CVM" && *b.InstanceId == "ins-abc" && *b.Weight == 10 {
			cvm++
		}
	}
	if cvm != 1 {
		t.Errorf("instance target not described as CVM ins-abc with the default weight: %+v", resp.Response.Listeners[0].Targets)
	}
}

func TestTaskStatus(t *testing.T) {
	cases := []struct {
		polls int
		want  []int64
	}{
		{polls: 0, want: []int64{0, 0}},
		{polls: 1, want: []int64{2, 0, 0}},
		{polls: 3, want: []int64{2, 2, 2, 0}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("polls=%d", tc.polls), func(t *testing.T) {
			s, c := start(t)
			s.TaskPolls = tc.polls
			resp, err := createListener(c, lbID, "TCP", []int64{8080}, 0)
			if err != nil {
				t.Fatal(err)
			}
			// The mutation is visible before the task completes, as in the real CLB.
			if n := len(s.Listeners()); n != 1 {
				t.Fatalf("%d listeners while the task runs", n)
			}
			var got []int64
			for range tc.want {
				req := clb.NewDescribeTaskStatusRequest()
				req.TaskId = resp.Response.RequestId
				st, err := c.DescribeTaskStatus(req)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, *st.Response.Status)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("statuses %v, want %v", got, tc.want)
			}
		})
	}

	_, c := start(t)
	req := clb.NewDescribeTaskStatusRequest()
	req.TaskId = common.StringPtr("not-a-task")
	if _, err := c.DescribeTaskStatus(req); codeOf(err) != "InvalidParameter" {
		t.Errorf("unknown task: %v", err)
	}
	// A refused mutation starts no task.
	if _, err := createListener(c, "lb-nothere", "TCP", []int64{1}, 0); err == nil {
		t.Fatal("CreateListener on an unknown load balancer succeeded")
	} else {
		var e *sdkerrors.TencentCloudSDKError
		if !errors.As(err, &e) {
			t.Fatalf("not an SDK error: %v", err)
		}
		req.TaskId = common.StringPtr(e.RequestId)
		if _, err := c.DescribeTaskStatus(req); codeOf(err) != "InvalidParameter" {
			t.Errorf("task of a refused call: %v", err)
		}
	}
}

func TestFailNext(t *testing.T) {
	cases := []struct {
		action string
		code   string
		times  int
		call   func(c *clb.Client, listenerID string) error
	}{
		{action: "CreateListener", code: "RequestLimitExceeded", times: 2, call: func(c *clb.Client, _ string) error {
			_, err := createListener(c, lbID, "TCP", []int64{8081}, 0)
			return err
		}},
		{action: "RegisterTargets", code: "FailedOperation.ResourceInOperating", times: 1, call: func(c *clb.Client, id string) error {
			_, err := register(c, id, eniTargets(80, "10.0.0.1"))
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.action, func(t *testing.T) {
			s, c := start(t)
			id := mustCreate(t, c, "TCP", 8080, 0)
			before := s.Listeners()
			s.FailNext(tc.action, tc.code, tc.times)
			for i := 0; i < tc.times; i++ {
				if got := codeOf(tc.call(c, id)); got != tc.code {
					t.Fatalf("call %d: code %q, want %q", i, got, tc.code)
				}
			}
			if after := s.Listeners(); !reflect.DeepEqual(before, after) {
				t.Fatalf("injected faults changed state: %+v -> %+v", before, after)
			}
			if err := tc.call(c, id); err != nil {
				t.Fatalf("after the faults: %v", err)
			}
			calls := s.CallsOf(tc.action)
			if len(calls) < tc.times+1 || calls[len(calls)-1].ErrorCode != "" || calls[len(calls)-2].ErrorCode != tc.code {
				t.Errorf("call log %+v", calls)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	s := fakeclb.New(secretID, secretKey)
	s.AddLoadBalancer(lbID, vip)
	// Through ServeHTTP directly, as a test would with httptest.
	ts := httptest.NewServer(s)
	defer ts.Close()
	endpoint := strings.TrimPrefix(ts.URL, "http://")

	cases := []struct {
		name     string
		id, key  string
		unsigned bool
		wantCode string
	}{
		{name: "right key", id: secretID, key: secretKey},
		{name: "unsigned payload", id: secretID, key: secretKey, unsigned: true},
		{name: "wrong key", id: secretID, key: "not-the-key", wantCode: "AuthFailure.SignatureFailure"},
		{name: "unknown secret id", id: "AKIDother", key: secretKey, wantCode: "AuthFailure.SecretIdNotFound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, endpoint, tc.id, tc.key, tc.unsigned)
			req := clb.NewDescribeLoadBalancersRequest()
			_, err := c.DescribeLoadBalancers(req)
			if got := codeOf(err); got != tc.wantCode {
				t.Fatalf("code %q, want %q (%v)", got, tc.wantCode, err)
			}
			var e *sdkerrors.TencentCloudSDKError
			if err != nil && errors.As(err, &e) && e.RequestId == "" {
				t.Errorf("error without RequestId: %v", err)
			}
		})
	}
	// Refused calls are logged with their code.
	if calls := s.CallsOf("DescribeLoadBalancers"); len(calls) != len(cases) || calls[2].ErrorCode != "AuthFailure.SignatureFailure" {
		t.Errorf("call log %+v", calls)
	}
}

func TestInvalidAction(t *testing.T) {
	s, c := start(t)
	req := &tchttp.BaseRequest{}
	req.Init().WithApiInfo("clb", clb.APIVersion, "LaunchRockets")
	err := c.Send(req, &tchttp.BaseResponse{})
	if got := codeOf(err); got != "InvalidAction" {
		t.Fatalf("code %q, want InvalidAction (%v)", got, err)
	}
	if calls := s.Calls(); len(calls) != 1 || calls[0].Action != "LaunchRockets" || calls[0].ErrorCode != "InvalidAction" {
		t.Errorf("call log %+v", calls)
	}
}

func TestDescribeLoadBalancers(t *testing.T) {
	s, c := start(t)
	s.AddLoadBalancer("lb-fake0002", "10.9.9.9")
	cases := []struct {
		name string
		ids  []string
		want map[string]string
	}{
		{name: "one", ids: []string{lbID}, want: map[string]string{lbID: vip}},
		{name: "all", want: map[string]string{lbID: vip, "lb-fake0002": "10.9.9.9"}},
		{name: "unknown is left out", ids: []string{"lb-nothere"}, want: map[string]string{}},
	}
	for _, tc := range cases {
		req := clb.NewDescribeLoadBalancersRequest()
		if tc.ids != nil {
			req.LoadBalancerIds = common.StringPtrs(tc.ids)
		}
		resp, err := c.DescribeLoadBalancers(req)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, lb := range resp.Response.LoadBalancerSet {
			got[*lb.LoadBalancerId] = *lb.LoadBalancerVips[0]
		}
		if !reflect.DeepEqual(got, tc.want) || *resp.Response.TotalCount != uint64(len(tc.want)) {
			t.Errorf("%s: %v (total %d), want %v", tc.name, got, *resp.Response.TotalCount, tc.want)
		}
	}
}

func TestCallLog(t *testing.T) {
	s, c := start(t)
	id := mustCreate(t, c, "udp", 9000, 9010)
	if _, err := createListener(c, lbID, "UDP", []int64{9001}, 0); codeOf(err) != "InvalidParameter.PortCheckFailed" {
		t.Fatalf("overlap: %v", err)
	}
	if _, err := register(c, id, eniTargets(9000, "10.0.0.1")); err != nil {
		t.Fatal(err)
	}

	want := []fakeclb.Call{
		{Action: "CreateListener", LoadBalancerID: lbID, Ports: []int64{9000}, EndPort: 9010, Protocol: "udp"},
		{Action: "CreateListener", LoadBalancerID: lbID, Ports: []int64{9001}, Protocol: "UDP", ErrorCode: "InvalidParameter.PortCheckFailed"},
		{Action: "RegisterTargets", LoadBalancerID: lbID, ListenerID: id, Targets: []fakeclb.Target{{IP: "10.0.0.1", Port: 9000}}},
	}
	if got := s.Calls(); !reflect.DeepEqual(got, want) {
		t.Fatalf("calls\n%+v\nwant\n%+v", got, want)
	}
	if got := s.CallsOf("CreateListener"); len(got) != 2 {
		t.Errorf("CallsOf(CreateListener): %+v", got)
	}
	// The log hands out copies.
	s.Calls()[0].Ports[0] = 1
	if s.Calls()[0].Ports[0] != 9000 {
		t.Error("Calls shares its slices with the log")
	}
	s.ResetCalls()
	if got := s.Calls(); len(got) != 0 {
		t.Errorf("after ResetCalls: %+v", got)
	}
}

func TestOnChange(t *testing.T) {
	s := fakeclb.New(secretID, secretKey)
	s.AddLoadBalancer(lbID, vip)
	var mu sync.Mutex
	var snapshots [][]fakeclb.ListenerState
	s.OnChange = func(st []fakeclb.ListenerState) {
		mu.Lock()
		defer mu.Unlock()
		snapshots = append(snapshots, st)
	}
	endpoint, stop, err := s.Start("0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.HasPrefix(endpoint, "127.0.0.1:") {
		t.Fatalf("endpoint %q for an unspecified address", endpoint)
	}
	c := newClient(t, endpoint, secretID, secretKey, false)

	udp := mustCreate(t, c, "UDP", 9000, 0)
	tcp := mustCreate(t, c, "TCP", 9000, 0)
	if _, err := register(c, udp, eniTargets(7000, "10.0.0.1")); err != nil {
		t.Fatal(err)
	}
	// Reads and refused calls are not changes.
	describedTargets(t, c)
	if _, err := register(c, "lbl-nothere", eniTargets(7000, "10.0.0.1")); err == nil {
		t.Fatal("registering on an unknown listener succeeded")
	}

	mu.Lock()
	defer mu.Unlock()
	if len(snapshots) != 3 {
		t.Fatalf("%d OnChange calls, want 3", len(snapshots))
	}
	want := []fakeclb.ListenerState{
		{LoadBalancerID: lbID, VIP: vip, ListenerID: tcp, Protocol: "TCP", Port: 9000, Targets: []fakeclb.Target{}},
		{LoadBalancerID: lbID, VIP: vip, ListenerID: udp, Protocol: "UDP", Port: 9000, Targets: []fakeclb.Target{{IP: "10.0.0.1", Port: 7000}}},
	}
	if got := snapshots[2]; !reflect.DeepEqual(got, want) {
		t.Errorf("last snapshot\n%+v\nwant\n%+v", got, want)
	}
	if got := s.Listeners(); !reflect.DeepEqual(got, want) {
		t.Errorf("Listeners\n%+v\nwant\n%+v", got, want)
	}
}

func TestConcurrentClients(t *testing.T) {
	s, c := start(t)
	id := mustCreate(t, c, "TCP", 8080, 0)
	var mu sync.Mutex
	var mirror []fakeclb.ListenerState
	s.OnChange = func(st []fakeclb.ListenerState) {
		mu.Lock()
		defer mu.Unlock()
		mirror = st
	}
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := register(c, id, eniTargets(80, fmt.Sprintf("10.0.2.%d", i)))
			errs <- err
		}()
		go func() {
			defer wg.Done()
			req := clb.NewDescribeTargetsRequest()
			req.LoadBalancerId = common.StringPtr(lbID)
			_, err := c.DescribeTargets(req)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := describedTargets(t, c)[id]; len(got) != n {
		t.Errorf("%d targets after %d concurrent registrations: %v", len(got), n, got)
	}
	// However the hooks interleaved, the mirror ends on the latest state.
	mu.Lock()
	defer mu.Unlock()
	if len(mirror) != 1 || len(mirror[0].Targets) != n {
		t.Errorf("mirror after concurrent changes: %+v", mirror)
	}
}
