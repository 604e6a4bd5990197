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

package network

import (
	"testing"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

// FuzzListeners checks the formula's promises on any mapping the validation accepts: every ordinal gets its
// own ports from the formula, no two listeners of a load balancer and protocol share a port, names are unique,
// and the pod ports stay in range.
func FuzzListeners(f *testing.F) {
	f.Add(int32(31000), int32(0), int32(0), int32(3), int32(0), uint8(0), false, false)
	f.Add(int32(1), int32(7000), int32(2), int32(5), int32(4), uint8(2), true, false)
	f.Add(int32(60000), int32(0), int32(0), int32(10), int32(500), uint8(1), false, true)
	f.Fuzz(func(t *testing.T, startPort, rsStartPort, startIndex, endIndex, seg int32, protocol uint8, ignoreSegment, fixed bool) {
		startIndex, endIndex = startIndex%300, endIndex%300
		m := gstsv1alpha1.IngressPortMapping{WorkloadKind: "GameStatefulSet", WorkloadName: "web", StartPort: startPort,
			RsStartPort: rsStartPort, StartIndex: startIndex, EndIndex: endIndex, SegmentLength: seg % 64,
			Protocol: []string{"TCP", "UDP", "TCP_UDP"}[protocol%3], IgnoreSegment: ignoreSegment, IsRsPortFixed: fixed}
		if startPort < 1 || startPort > 65535 || rsStartPort < 0 || rsStartPort > 65535 || startIndex < 0 || m.SegmentLength < 0 {
			return
		}
		pm := mapping([]string{"lb-a", "ap-x:lb-b"}, m)
		listeners, err := Listeners(pm)
		if err != nil {
			return
		}
		names := map[string]bool{}
		used := map[string]map[int32]bool{}
		for _, l := range listeners {
			if names[l.Name] {
				t.Fatalf("name %s twice", l.Name)
			}
			names[l.Name] = true
			first, last, _ := PortsOf(m, l.Ordinal)
			end := l.EndPort
			if end == 0 {
				end = l.Port
			}
			if l.Port < first || end > last || l.Port > end {
				t.Fatalf("ordinal %d has ports %d-%d outside its %d-%d", l.Ordinal, l.Port, end, first, last)
			}
			if l.TargetPort < 1 || l.TargetPort+(end-l.Port) > 65535 {
				t.Fatalf("target ports %d+%d out of range", l.TargetPort, end-l.Port)
			}
			key := l.LoadBalancerID + "/" + l.Protocol
			if used[key] == nil {
				used[key] = map[int32]bool{}
			}
			for p := l.Port; p <= end; p++ {
				if used[key][p] {
					t.Fatalf("%s port %d twice", key, p)
				}
				used[key][p] = true
			}
		}
		want := 0
		for _, key := range []string{"lb-a/TCP", "lb-a/UDP", "ap-x:lb-b/TCP", "ap-x:lb-b/UDP"} {
			want += len(used[key])
		}
		if got := int(endIndex-startIndex) * int(segmentLength(m)) * len(Protocols(m.Protocol)) * 2; got != want {
			t.Fatalf("%d ports forwarded, the formula gives %d", want, got)
		}
	})
}
