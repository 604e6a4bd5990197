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

package identity

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

// OrdinalRange is an inclusive range of ordinals.
type OrdinalRange struct{ From, To int32 }

// ParseReserved reads one entry of spec.reserveOrders: an ordinal, or an inclusive range "a-b".
func ParseReserved(v intstr.IntOrString) (OrdinalRange, error) {
	if v.Type == intstr.Int {
		if v.IntVal < 0 {
			return OrdinalRange{}, fmt.Errorf("%d is negative", v.IntVal)
		}
		return OrdinalRange{v.IntVal, v.IntVal}, nil
	}
	from, to, isRange := strings.Cut(v.StrVal, "-")
	a, err := parseOrdinal(from)
	if err != nil {
		return OrdinalRange{}, fmt.Errorf("%q is neither an ordinal nor a range \"a-b\"", v.StrVal)
	}
	if !isRange {
		return OrdinalRange{a, a}, nil
	}
	b, err := parseOrdinal(to)
	if err != nil || b < a {
		return OrdinalRange{}, fmt.Errorf("%q is not a range \"a-b\" with a <= b", v.StrVal)
	}
	return OrdinalRange{a, b}, nil
}

func parseOrdinal(s string) (int32, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 0 || s != strconv.FormatInt(n, 10) {
		return 0, fmt.Errorf("%q is not an ordinal", s)
	}
	return int32(n), nil
}

// Reserved is the set's reserved ordinals as sorted, merged ranges; entries the webhook would refuse are left out.
func Reserved(set *gstsv1alpha1.GameStatefulSet) []OrdinalRange {
	var ranges []OrdinalRange
	for _, v := range set.Spec.ReserveOrders {
		if r, err := ParseReserved(v); err == nil {
			ranges = append(ranges, r)
		}
	}
	sort.Slice(ranges, func(i, j int) bool { return ranges[i].From < ranges[j].From })
	merged := ranges[:0]
	for _, r := range ranges {
		if n := len(merged); n > 0 && int64(r.From) <= int64(merged[n-1].To)+1 {
			merged[n-1].To = max(merged[n-1].To, r.To)
			continue
		}
		merged = append(merged, r)
	}
	return merged
}

// IsReserved tells whether the ordinal is reserved. Loops over many ordinals read Reserved once and ask
// InRanges instead: this parses spec.reserveOrders each time.
func IsReserved(set *gstsv1alpha1.GameStatefulSet, ordinal int32) bool {
	return InRanges(Reserved(set), ordinal)
}

// InRanges tells whether the ordinal lies in one of the ranges.
func InRanges(ranges []OrdinalRange, ordinal int32) bool {
	for _, r := range ranges {
		if ordinal >= r.From && ordinal <= r.To {
			return true
		}
	}
	return false
}

// Ordinals are the set's ordinals, ascending: the first replicas ordinals from ordinals.start that are not
// reserved. Without reservations they are [start, start+replicas), as for a StatefulSet.
func Ordinals(set *gstsv1alpha1.GameStatefulSet) []int32 {
	n := Replicas(set)
	ordinals := make([]int32, 0, n)
	reserved := Reserved(set)
	next := 0
	for ord := int64(StartOrdinal(set)); int32(len(ordinals)) < n && ord <= math.MaxInt32; ord++ {
		for next < len(reserved) && int64(reserved[next].To) < ord {
			next++
		}
		if next < len(reserved) && int64(reserved[next].From) <= ord {
			// jump over the whole range: "0-1000000" costs one step
			ord = int64(reserved[next].To)
			continue
		}
		ordinals = append(ordinals, int32(ord))
	}
	return ordinals
}
