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
	"crypto/tls"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/rest"
)

// process reads a controller's CPU time and memory from /proc.
type process struct{ pid int }

func processFromPIDFile(path string) (process, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return process{}, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	return process{pid: pid}, err
}

// cpuSeconds is the user and system time the process has used.
func (p process) cpuSeconds() float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
	must(err)
	// fields after the command, which is in parentheses and may hold spaces
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	const clockTicks = 100 // USER_HZ on Linux
	return (utime + stime) / clockTicks
}

// resetPeakRSS starts a new high-water mark of resident memory (Linux: "5" into clear_refs).
func (p process) resetPeakRSS() {
	must(os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.pid), []byte("5"), 0o200))
}

// peakRSS is the resident memory high-water mark in MiB.
func (p process) peakRSS() float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid))
	must(err)
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			must(err)
			return kb / 1024
		}
	}
	return math.NaN()
}

// controllerUnderTest is one of the two controllers: its process and its metrics endpoint.
type controllerUnderTest struct {
	name    string
	process process
	metrics func() map[string]*dto.MetricFamily
	// queue is the controller's work queue name in workqueue_* metrics
	queue string
}

// startOperator runs the operator binary against the cluster at the given client limits, with plain-HTTP metrics
// on loopback, and waits for its metrics to answer.
func startOperator(binary, kubeconfig string, qps, burst int) (*controllerUnderTest, func(), error) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	address := listener.Addr().String()
	_ = listener.Close()
	cmd := exec.Command(binary, "--leader-elect=false", "--enable-webhook=false", "--metrics-secure=false",
		"--metrics-bind-address="+address, "--health-probe-bind-address=0",
		fmt.Sprintf("--kube-api-qps=%d", qps), fmt.Sprintf("--kube-api-burst=%d", burst))
	// BENCH_OPERATOR_ARGS adds flags, e.g. --zap-log-level=debug to see why a row waits
	cmd.Args = append(cmd.Args, strings.Fields(os.Getenv("BENCH_OPERATOR_ARGS"))...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	// BENCH_OPERATOR_ENV adds environment variables for the operator alone, e.g. GOGC=50 to see what the Go
	// collector's setting costs and saves
	cmd.Env = append(cmd.Env, strings.Fields(os.Getenv("BENCH_OPERATOR_ENV"))...)
	log, err := os.Create("bin/bench-manager.log")
	if err != nil {
		return nil, nil, err
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	stop := func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait(); _ = log.Close() }
	scrape := func() map[string]*dto.MetricFamily {
		return scrapeMetrics(http.DefaultClient, "http://"+address+"/metrics", "")
	}
	deadline := time.Now().Add(time.Minute)
	for {
		if resp, err := http.Get("http://" + address + "/metrics"); err == nil {
			_ = resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			stop()
			return nil, nil, fmt.Errorf("the operator's metrics did not answer on %s (bin/bench-manager.log)", address)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return &controllerUnderTest{name: "GameStatefulSet", process: process{pid: cmd.Process.Pid}, metrics: scrape,
		queue: "gamestatefulset"}, stop, nil
}

// kcmMetrics reads kube-controller-manager's metrics on its secure port with the bench's credentials.
func kcmMetrics(config *rest.Config) func() map[string]*dto.MetricFamily {
	httpClient := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // loopback, self-signed
	return func() map[string]*dto.MetricFamily {
		return scrapeMetrics(httpClient, "https://127.0.0.1:10257/metrics", config.BearerToken)
	}
}

func scrapeMetrics(httpClient *http.Client, url, token string) map[string]*dto.MetricFamily {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	must(err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient.Do(req)
	must(err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		must(fmt.Errorf("%s: %s: %s", url, resp.Status, body))
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	must(err)
	return families
}

// writeVerbs are the requests that change something.
var writeVerbs = []string{"POST", "PUT", "PATCH", "DELETE"}

// writes counts the process's API requests that change something.
func writes(families map[string]*dto.MetricFamily) float64 {
	total := 0.0
	for _, n := range writesByVerb(families) {
		total += n
	}
	return total
}

func writesByVerb(families map[string]*dto.MetricFamily) map[string]float64 {
	byVerb := map[string]float64{}
	for _, m := range families["rest_client_requests_total"].GetMetric() {
		for _, verb := range writeVerbs {
			if label(m, "method") == verb {
				byVerb[verb] += m.GetCounter().GetValue()
			}
		}
	}
	return byVerb
}

// workDurations is the histogram of the time the controller spent on each item of its queue: one reconcile.
// Without work queue metrics (kruise-manager registers client-go's with another registry than the one it
// serves), controller-runtime's reconcile time of the controller of that name is the same measure.
func workDurations(families map[string]*dto.MetricFamily, queue string) *dto.Histogram {
	for _, m := range families["workqueue_work_duration_seconds"].GetMetric() {
		if label(m, "name") == queue {
			return m.GetHistogram()
		}
	}
	for _, m := range families["controller_runtime_reconcile_time_seconds"].GetMetric() {
		if label(m, "controller") == queue {
			return m.GetHistogram()
		}
	}
	return &dto.Histogram{}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// quantile estimates a quantile of the observations between two scrapes of a histogram, interpolating within
// the bucket as Prometheus' histogram_quantile does.
func quantile(q float64, before, after *dto.Histogram) float64 {
	previous := map[float64]uint64{}
	for _, b := range before.GetBucket() {
		previous[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	type bucket struct {
		upper float64
		count float64
	}
	var buckets []bucket
	for _, b := range after.GetBucket() {
		buckets = append(buckets, bucket{b.GetUpperBound(), float64(b.GetCumulativeCount() - previous[b.GetUpperBound()])})
	}
	sort.Slice(buckets, func(i, j int) bool { return buckets[i].upper < buckets[j].upper })
	total := float64(after.GetSampleCount() - before.GetSampleCount())
	if total == 0 || len(buckets) == 0 {
		return math.NaN()
	}
	rank := q * total
	lower, below := 0.0, 0.0
	for _, b := range buckets {
		if b.count >= rank {
			if b.count == below {
				return b.upper
			}
			return lower + (b.upper-lower)*(rank-below)/(b.count-below)
		}
		lower, below = b.upper, b.count
	}
	return buckets[len(buckets)-1].upper
}
