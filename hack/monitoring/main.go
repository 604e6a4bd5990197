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

// Command monitoring writes the files of the operator's monitoring that are made from others:
//
//	monitoring dashboard OUT.json                  the Grafana dashboard of internal/dashboard
//	monitoring rules PROMETHEUS_RULE.yaml OUT.yaml  a PrometheusRule's groups as a Prometheus rules file, the form
//	                                               promtool and a Prometheus without the Prometheus Operator read
package main

import (
	"fmt"
	"os"

	"github.com/gamestatefulset/gamestatefulset-operator/internal/dashboard"
	"github.com/gamestatefulset/gamestatefulset-operator/tests/framework"
)

func main() {
	var out []byte
	var err error
	args := os.Args[1:]
	switch {
	case len(args) == 2 && args[0] == "dashboard":
		out, err = dashboard.Build()
	case len(args) == 3 && args[0] == "rules":
		var in []byte
		if in, err = os.ReadFile(args[1]); err == nil {
			out, err = framework.RulesFile(in)
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: monitoring dashboard OUT.json | monitoring rules PROMETHEUS_RULE.yaml OUT.yaml")
		os.Exit(2)
	}
	if err == nil {
		err = os.WriteFile(args[len(args)-1], out, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "monitoring:", err)
		os.Exit(1)
	}
}
