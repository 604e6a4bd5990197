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

package dashboard

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gamestatefulset/gamestatefulset-operator/internal/metrics"
)

// ownMetric finds the names of the operator's series in a query.
var ownMetric = regexp.MustCompile(`\bgamestatefulset_[a-z_]+`)

// served are the operator's metric names as Prometheus stores them (a histogram as its _bucket, _sum, _count).
func served(t *testing.T) map[string]bool {
	names := map[string]bool{
		// counted from the cache at scrape time (controllers.InventoryCollector)
		"gamestatefulset_hookruns": true, "gamestatefulset_listeners": true,
	}
	descs := make(chan *prometheus.Desc, 100)
	for _, c := range []prometheus.Collector{metrics.Replicas, metrics.RolloutProgress, metrics.LastProgress, metrics.ProgressDeadline,
		metrics.Condition, metrics.PodsWaiting, metrics.OldestWaiting, metrics.InPlaceUpdateDuration, metrics.PodsMigrated,
		metrics.ReconcileConflicts, metrics.ReconcileErrors, metrics.HookRunsCompleted, metrics.ListenerSyncDuration} {
		c.Describe(descs)
	}
	close(descs)
	for d := range descs {
		name := regexp.MustCompile(`fqName: "([^"]+)"`).FindStringSubmatch(d.String())[1]
		names[name] = true
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			names[name+suffix] = true
		}
	}
	return names
}

func TestEveryQueryNamesServedMetrics(t *testing.T) {
	names := served(t)
	for _, p := range Panels() {
		if len(p.Queries) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Queries {
			for _, name := range ownMetric.FindAllString(q.Expr, -1) {
				if !names[name] {
					t.Errorf("panel %q queries %s, which the operator does not serve", p.Title, name)
				}
			}
		}
	}
}

func TestTheCommittedDashboardIsBuiltFromThePanels(t *testing.T) {
	built, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile("../../config/grafana/gamestatefulset.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(built) != string(committed) {
		t.Fatal("config/grafana/gamestatefulset.json is stale: run make dashboard")
	}
	var parsed struct {
		Panels []struct {
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(built, &parsed); err != nil {
		t.Fatal(err)
	}
	exprs := 0
	for _, p := range parsed.Panels {
		exprs += len(p.Targets)
	}
	want := 0
	for _, p := range Panels() {
		want += len(p.Queries)
	}
	if exprs != want {
		t.Errorf("the JSON holds %d queries, the panels %d", exprs, want)
	}
}

func TestResolved(t *testing.T) {
	got := Resolved(`rate(x{namespace=~"$namespace", name=~"$name"}[$__rate_interval])`, "1m")
	if want := `rate(x{namespace=~".*", name=~".*"}[1m])`; got != want || strings.Contains(got, "$") {
		t.Errorf("%s, want %s", got, want)
	}
}
