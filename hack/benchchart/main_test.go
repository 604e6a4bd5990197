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

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const output = `StatefulSet: scale-up to 100

| scenario | controller | time s | vs StatefulSet | vs Kruise | writes/pod | CPU s | peak RSS MiB | reconcile p50 ms | p99 ms | note |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|
| 100 pods created directly, until ready | API server | 0.7 | — | — | 1.00 | — | — | — | — | |
| scale-up 0→100 Parallel | StatefulSet | 0.9 | — | — | 1.52 | 0.2 | 127 | 5.1 | 523.0 | |
| scale-up 0→100 Parallel | Advanced StatefulSet | 1.4 | 1.56× | — | 1.52 | 0.2 | 127 | 5.1 | 523.0 | |
| scale-up 0→100 Parallel | GameStatefulSet | 0.7 | 0.78× | 0.50× | 1.23 | 0.1 | 64 | 8.7 | 730.0 | |
| in-place update of 100, maxUnavailable 25% | Advanced StatefulSet | 2.0 | — | — | 2 | 1 | 1 | 1 | 1 | |
| in-place update of 100, maxUnavailable 25% | GameStatefulSet | 1.1 | — | 0.55× | 2 | 1 | 1 | 1 | 1 | |
| scale-up 0→300 Parallel | StatefulSet | 2.0 | — | — | 1.23 | 0.5 | 146 | 28.5 | 4960.0 | |
| scale-up 0→300 Parallel | GameStatefulSet | 2.5 | 1.25× | — | 1.18 | 0.6 | 85 | 10.0 | 1900.0 | |
| idle for 1m0s, 100 ready pods | GameStatefulSet | 60.0 | — | — | — | 0.2 | 94 | — | — | |

| scenario | controller | time s | vs StatefulSet | vs Kruise | writes/pod | CPU s | peak RSS MiB | reconcile p50 ms | p99 ms | note |
| unthrottled: scale-up 0→1000 Parallel | GameStatefulSet | 7.0 | — | — | 1 | 1 | 1 | 1 | 1 | |
`

func TestParseGroupsTheFirstTablesSharedRowsBySize(t *testing.T) {
	sizes, err := parse(strings.NewReader(output))
	if err != nil {
		t.Fatal(err)
	}
	if len(sizes) != 2 || sizes[0].pods != 100 || sizes[1].pods != 300 {
		t.Fatalf("sizes %+v", sizes)
	}
	if got := sizes[0].scenarios; len(got) != 2 || got[0] != "scale-up 0→N Parallel" || got[1] != "in-place update of N, maxUnavailable 25%" {
		t.Fatalf("scenarios of 100: %q", got)
	}
	if got := sizes[0].seconds["scale-up 0→N Parallel"]["Advanced StatefulSet"]; got != 1.4 {
		t.Fatalf("Advanced StatefulSet's scale-up: %v", got)
	}
}

func TestRunWritesAPNG(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "bench.out"), filepath.Join(dir, "chart.png")
	if err := os.WriteFile(in, []byte(output), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(in, out); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(out)
	if err != nil || len(raw) < 8 || string(raw[1:4]) != "PNG" {
		t.Fatalf("not a PNG: %v", err)
	}
}
