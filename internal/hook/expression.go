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

// Package hook decides, without talking to anything, what a HookRun does next: which metrics are due, how a
// measured value is judged by the metric's conditions, and what the counts make of the metric and the run. It also
// resolves a template's arguments and builds the HookRuns of canary steps and pod lifecycle hooks.
package hook

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// The conditions are expr-lang expressions (https://expr-lang.org): the upstream operator's govaluate conditions
// such as `asInt(result) < 30` or `result == "ok" || asFloat(result) >= 0.9` read the same in it, and it is a
// maintained, sandboxed language with no access to anything but the measured value.

// conditionEnv is what a condition sees: the measured value.
type conditionEnv struct {
	Result any `expr:"result"`
}

var conditionOptions = []expr.Option{
	expr.Env(conditionEnv{}),
	expr.AsBool(),
	expr.Function("asInt", func(params ...any) (any, error) { return asInt(params[0]) }, new(func(any) int)),
	expr.Function("asFloat", func(params ...any) (any, error) { return asFloat(params[0]) }, new(func(any) float64)),
}

// CompileCondition checks a condition and prepares it for evaluation.
func CompileCondition(condition string) (*vm.Program, error) {
	program, err := expr.Compile(condition, conditionOptions...)
	if err != nil {
		return nil, fmt.Errorf("condition %q: %w", condition, err)
	}
	return program, nil
}

// EvaluateCondition tells whether the condition holds for a measured result: a string for the web and
// kubernetes providers, a float64 or a []float64 for Prometheus, as in the upstream operator.
func EvaluateCondition(condition string, result any) (bool, error) {
	program, err := CompileCondition(condition)
	if err != nil {
		return false, err
	}
	out, err := expr.Run(program, conditionEnv{Result: result})
	if err != nil {
		return false, fmt.Errorf("condition %q with result %v: %w", condition, result, err)
	}
	return out.(bool), nil
}

func asInt(v any) (int, error) {
	switch n := v.(type) {
	case int:
		return n, nil
	case float64:
		if n != float64(int(n)) {
			return 0, fmt.Errorf("asInt: %v is not an integer", n)
		}
		return int(n), nil
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil {
			return 0, fmt.Errorf("asInt: %q is not an integer", n)
		}
		return i, nil
	}
	return 0, fmt.Errorf("asInt: %v (%T) is not an integer", v, v)
}

func asFloat(v any) (float64, error) {
	switch n := v.(type) {
	case int:
		return float64(n), nil
	case float64:
		return n, nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
		if err != nil {
			return 0, fmt.Errorf("asFloat: %q is not a number", n)
		}
		return f, nil
	}
	return 0, fmt.Errorf("asFloat: %v (%T) is not a number", v, v)
}
