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

// Package dashboard defines the operator's Grafana dashboard: its panels and their queries as data, which the e2e
// suite runs against a real Prometheus, and the dashboard JSON built from them with Grafana's foundation SDK
// (`make dashboard` writes config/grafana/gamestatefulset.json).
package dashboard

import (
	"encoding/json"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// UID is the dashboard's uid: its address in Grafana stays the same across versions.
const UID = "gamestatefulset-operator"

// Query is one query of a panel.
type Query struct {
	Expr   string
	Legend string
}

// Panel is one panel: a stat (one number) or a time series.
type Panel struct {
	Row, Title, Description, Unit string
	Stat                          bool
	Queries                       []Query
}

// set selects the series of the sets the dashboard's variables choose.
const set = `namespace=~"$namespace", name=~"$name"`

// Panels are the dashboard's panels in order, by row.
func Panels() []Panel {
	return []Panel{
		{Row: "Fleet", Title: "Sets not ready", Stat: true, Description: "GameStatefulSets whose Ready condition is False: fewer available pods than spec.replicas.",
			Queries: []Query{{Expr: `count(gamestatefulset_status_condition{type="Ready", status="False"}) or vector(0)`}}},
		{Row: "Fleet", Title: "Rollouts stuck", Stat: true, Description: "Sets whose Progressing condition says the rollout stopped (the GameStatefulSetRolloutStuck alert).",
			Queries: []Query{{Expr: `count(gamestatefulset_status_condition{type="Progressing", reason=~"ProgressDeadlineExceeded|InPlaceUpdateStuck|HotPatchRefused"}) or vector(0)`}}},
		{Row: "Fleet", Title: "Operator leader", Stat: true, Description: "1 while a replica of the operator holds its leader Lease; 0 or no data: nothing reconciles.",
			Queries: []Query{{Expr: `max(leader_election_master_status{name="gamestatefulset-operator.tkex.tencent.com"})`}}},
		{Row: "Fleet", Title: "Ready and desired pods", Description: "Ready pods of each set against spec.replicas.",
			Queries: []Query{
				{Expr: `sum by (namespace, name) (gamestatefulset_replicas{state="ready", namespace=~"$namespace"})`, Legend: "{{namespace}}/{{name}} ready"},
				{Expr: `sum by (namespace, name) (gamestatefulset_replicas{state="desired", namespace=~"$namespace"})`, Legend: "{{namespace}}/{{name}} desired"}}},
		{Row: "Fleet", Title: "Reconcile errors", Unit: "ops", Description: "Failed reconciles per second by controller (controller-runtime) and by reason (the operator's).",
			Queries: []Query{
				{Expr: `sum by (controller) (rate(controller_runtime_reconcile_errors_total{controller=~"gamestatefulset|hookrun|listener|portmapping"}[$__rate_interval]))`, Legend: "{{controller}}"},
				{Expr: `sum by (controller, reason) (rate(gamestatefulset_reconcile_errors_total[$__rate_interval]))`, Legend: "{{controller}} {{reason}}"}}},
		{Row: "Fleet", Title: "Pods moved off lost nodes", Description: "Pods force-deleted from nodes lost longer than the threshold, recreated on healthy ones.",
			Queries: []Query{{Expr: `sum by (namespace, name) (increase(gamestatefulset_pods_migrated_total{namespace=~"$namespace"}[$__rate_interval]))`, Legend: "{{namespace}}/{{name}}"}}},

		{Row: "Rollout", Title: "Rollout progress", Unit: "percentunit", Description: "Fraction of the desired pods on the update revision; 1 when no rollout is in flight.",
			Queries: []Query{{Expr: `gamestatefulset_rollout_progress{` + set + `}`, Legend: "{{namespace}}/{{name}}"}}},
		{Row: "Rollout", Title: "Pods by state", Description: "desired, current, ready, available and updated pods.",
			Queries: []Query{{Expr: `gamestatefulset_replicas{` + set + `}`, Legend: "{{namespace}}/{{name}} {{state}}"}}},
		{Row: "Rollout", Title: "Time since the rollout last moved", Unit: "s", Description: "Seconds since a pod was last created, updated or changed readiness, against the progress deadline.",
			Queries: []Query{
				{Expr: `time() - gamestatefulset_rollout_last_progress_timestamp_seconds{` + set + `}`, Legend: "{{namespace}}/{{name}}"},
				{Expr: `gamestatefulset_rollout_progress_deadline_seconds{` + set + `}`, Legend: "{{namespace}}/{{name}} deadline"}}},
		{Row: "Rollout", Title: "Pods waiting", Description: "Pods that wait, by what for: grace_period, inplace_update, content_reload, hook, readiness.",
			Queries: []Query{{Expr: `sum by (namespace, name, reason) (gamestatefulset_pods_waiting{` + set + `})`, Legend: "{{namespace}}/{{name}} {{reason}}"}}},
		{Row: "Rollout", Title: "Oldest waiting pod", Unit: "s", Description: "How long the longest-waiting pod of each reason has waited.",
			Queries: []Query{{Expr: `time() - gamestatefulset_oldest_waiting_pod_start_timestamp_seconds{` + set + `}`, Legend: "{{namespace}}/{{name}} {{reason}}"}}},
		{Row: "Rollout", Title: "In-place update out of service", Unit: "s", Description: "Seconds a pod is out of Services for an in-place update, grace period included: median and 95th percentile.",
			Queries: []Query{
				{Expr: `histogram_quantile(0.5, sum by (le) (rate(gamestatefulset_inplace_update_duration_seconds_bucket{` + set + `}[$__rate_interval])))`, Legend: "p50"},
				{Expr: `histogram_quantile(0.95, sum by (le) (rate(gamestatefulset_inplace_update_duration_seconds_bucket{` + set + `}[$__rate_interval])))`, Legend: "p95"}}},

		{Row: "Hooks", Title: "Hook runs by phase", Description: "HookRuns that exist, by hook type and phase.",
			Queries: []Query{{Expr: `sum by (type, phase) (gamestatefulset_hookruns{` + set + `})`, Legend: "{{type}} {{phase}}"}}},
		{Row: "Hooks", Title: "Hook runs completed", Description: "HookRuns that reached a final phase, by hook type and phase.",
			Queries: []Query{{Expr: `sum by (type, phase) (increase(gamestatefulset_hookruns_completed_total{` + set + `}[$__rate_interval]))`, Legend: "{{type}} {{phase}}"}}},

		{Row: "Network", Title: "Listeners by state", Description: "Load-balancer listeners by provider and state (Synced, NotSynced, Pending).",
			Queries: []Query{{Expr: `sum by (provider, state) (gamestatefulset_listeners{namespace=~"$namespace"})`, Legend: "{{provider}} {{state}}"}}},
		{Row: "Network", Title: "Listener sync latency", Unit: "s", Description: "How long a provider takes to make a listener hold its spec: 95th percentile by provider.",
			Queries: []Query{{Expr: `histogram_quantile(0.95, sum by (provider, le) (rate(gamestatefulset_listener_sync_duration_seconds_bucket[$__rate_interval])))`, Legend: "{{provider}}"}}},
	}
}

// Build is the dashboard's JSON, as Grafana imports it.
func Build() ([]byte, error) {
	datasource := common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}
	b := dashboard.NewDashboardBuilder("GameStatefulSet operator").
		Uid(UID).
		Description("Game-server fleets run by the GameStatefulSet operator: readiness, rollouts and what their pods wait for, hooks, load-balancer listeners (docs/observability.md).").
		Tags([]string{"gamestatefulset", "kubernetes"}).
		Refresh("30s").
		Time("now-1h", "now").
		Timezone(common.TimeZoneBrowser).
		Readonly().
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").Label("Data source").Type("prometheus")).
		WithVariable(dashboard.NewQueryVariableBuilder("namespace").Label("Namespace").Datasource(datasource).
			Query(dashboard.StringOrMap{String: cog.ToPtr("label_values(gamestatefulset_replicas, namespace)")}).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).Multi(true).IncludeAll(true).AllValue(".*")).
		WithVariable(dashboard.NewQueryVariableBuilder("name").Label("GameStatefulSet").Datasource(datasource).
			Query(dashboard.StringOrMap{String: cog.ToPtr(`label_values(gamestatefulset_replicas{namespace=~"$namespace"}, name)`)}).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).Multi(true).IncludeAll(true).AllValue(".*"))
	row, id := "", uint32(0)
	for _, p := range Panels() {
		if p.Row != row {
			row, id = p.Row, id+1
			b = b.WithRow(dashboard.NewRowBuilder(row).Id(id))
		}
		id++
		targets := make([]cog.Builder[variants.Dataquery], 0, len(p.Queries))
		for i, q := range p.Queries {
			query := prometheus.NewDataqueryBuilder().Expr(q.Expr).RefId(string(rune('A' + i)))
			if q.Legend != "" {
				query = query.LegendFormat(q.Legend)
			}
			targets = append(targets, query)
		}
		if p.Stat {
			b = b.WithPanel(stat.NewPanelBuilder().Id(id).Title(p.Title).Description(p.Description).Datasource(datasource).
				Unit(p.Unit).Targets(targets).Height(4).Span(8))
			continue
		}
		b = b.WithPanel(timeseries.NewPanelBuilder().Id(id).Title(p.Title).Description(p.Description).Datasource(datasource).
			Unit(p.Unit).Targets(targets).Height(8).Span(12))
	}
	built, err := b.Build()
	if err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(built, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Resolved is a query with the dashboard's variables replaced as Grafana replaces them with "All" chosen and a
// rate interval.
func Resolved(expr, rateInterval string) string {
	return strings.NewReplacer(`"$namespace"`, `".*"`, `"$name"`, `".*"`, "$__rate_interval", rateInterval).Replace(expr)
}
