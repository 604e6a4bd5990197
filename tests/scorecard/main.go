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

// Command gsts-scorecard-tests holds this project's custom scorecard tests. `operator-sdk scorecard` runs it in a
// pod of the cluster under test, with the bundle unpacked at /bundle and SCORECARD_NAMESPACE set, and reads the
// v1alpha3 TestStatus JSON it prints. Each test creates the CSV's first alm-example under a name of its own, checks
// what a user relies on, and deletes it.
//
// usage: gsts-scorecard-tests sample-ready | scale-subresource | status-descriptors
//
//	gsts-scorecard-tests untar BUNDLE.tar.gz DIR   (what scorecard's untar init container does, for our own runner)
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	scorecard "github.com/operator-framework/api/pkg/apis/scorecard/v1alpha3"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/config"
)

// a test returns what went wrong (empty when it passed) and a log of what it saw
type test func(ctx context.Context, env *environment) (errs []string, log string)

var tests = map[string]test{
	"sample-ready":       sampleReady,
	"scale-subresource":  scaleSubresource,
	"status-descriptors": statusDescriptors,
}

func main() {
	if len(os.Args) == 4 && os.Args[1] == "untar" {
		if err := untar(os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "untar:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) != 2 || tests[os.Args[1]] == nil {
		names := make([]string, 0, len(tests))
		for name := range tests {
			names = append(names, name)
		}
		fmt.Fprintf(os.Stderr, "usage: %s %s\n", os.Args[0], strings.Join(names, " | "))
		os.Exit(2)
	}
	name := os.Args[1]
	result := scorecard.TestResult{Name: name, State: scorecard.PassState}
	env, err := newEnvironment()
	if err != nil {
		result.State, result.Errors = scorecard.ErrorState, []string{err.Error()}
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), env.timeout)
		errs, log := tests[name](ctx, env)
		cancel()
		result.Log = log
		if len(errs) > 0 {
			result.State, result.Errors = scorecard.FailState, errs
			result.Suggestions = []string{"kubectl describe gamestatefulsets and the operator's logs say why; " +
				"the test's service account needs create, get, delete on gamestatefulsets and get, update on gamestatefulsets/scale"}
		}
	}
	out, err := json.MarshalIndent(scorecard.TestStatus{Results: []scorecard.TestResult{result}}, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}

// environment is what scorecard hands a test: the namespace, the bundle and the cluster.
type environment struct {
	namespace string
	bundleDir string
	timeout   time.Duration
	client    client.Client
}

func newEnvironment() (*environment, error) {
	env := &environment{namespace: os.Getenv("SCORECARD_NAMESPACE"), bundleDir: "/bundle", timeout: 150 * time.Second}
	if dir := os.Getenv("SCORECARD_BUNDLE_DIR"); dir != "" {
		env.bundleDir = dir
	}
	if env.namespace == "" {
		raw, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
		if err != nil {
			return nil, fmt.Errorf("SCORECARD_NAMESPACE is not set and there is no service account namespace: %w", err)
		}
		env.namespace = strings.TrimSpace(string(raw))
	}
	if raw := os.Getenv("GSTS_SCORECARD_TIMEOUT"); raw != "" {
		timeout, err := time.ParseDuration(raw)
		if err != nil {
			return nil, fmt.Errorf("GSTS_SCORECARD_TIMEOUT: %w", err)
		}
		env.timeout = timeout
	}
	restConfig, err := config.GetConfig()
	if err != nil {
		return nil, err
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	env.client, err = client.New(restConfig, client.Options{Scheme: scheme})
	return env, err
}
