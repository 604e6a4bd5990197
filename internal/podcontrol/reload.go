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

package podcontrol

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/lossless"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
)

// Reasons of the events of a lossless HotPatchUpdate.
const (
	ReasonReloaded               = "GameReloaded"
	ReasonReloadFailed           = "GameReloadFailed"
	ReasonGameContainerRestarted = "GameContainerRestarted"
)

// Reloader runs a ReloadAction against a pod.
type Reloader interface {
	Reload(ctx context.Context, pod *corev1.Pod, reload *gstsv1alpha1.ReloadAction) error
}

// APIReloader execs through the API server, as `kubectl exec` does, and sends HTTP GETs to the pod's IP.
type APIReloader struct {
	// Config reaches the API server for exec; without it an exec reload fails and says so.
	Config *rest.Config
}

// Reload runs the reload once, within its timeout.
func (r *APIReloader) Reload(ctx context.Context, pod *corev1.Pod, reload *gstsv1alpha1.ReloadAction) error {
	timeout := time.Duration(max(1, reload.TimeoutSeconds)) * time.Second
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch {
	case reload.HTTPGet != nil:
		return reloadHTTP(ctx, pod, reload.HTTPGet, timeout)
	case reload.Exec != nil:
		return r.exec(ctx, pod, reload.Exec)
	}
	return nil
}

func reloadHTTP(ctx context.Context, pod *corev1.Pod, get *gstsv1alpha1.ReloadHTTPGet, timeout time.Duration) error {
	if pod.Status.PodIP == "" {
		return fmt.Errorf("pod %s has no IP", pod.Name)
	}
	scheme := "http"
	if strings.EqualFold(get.Scheme, "HTTPS") {
		scheme = "https"
	}
	path := get.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	url := fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(pod.Status.PodIP, strconv.Itoa(int(get.Port))), path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	// as the kubelet's HTTPS probes, the game's certificate is not verified: the pod IP is the identity
	httpClient := &http.Client{Timeout: timeout, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec
	resp, err := httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 400 {
		return fmt.Errorf("GET %s: %s %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}

func (r *APIReloader) exec(ctx context.Context, pod *corev1.Pod, e *gstsv1alpha1.ReloadExec) error {
	if r.Config == nil {
		return fmt.Errorf("exec reloads need the operator's API configuration, which this operator was not given")
	}
	clientset, err := kubernetes.NewForConfig(r.Config)
	if err != nil {
		return err
	}
	req := clientset.CoreV1().RESTClient().Post().Resource("pods").Namespace(pod.Namespace).Name(pod.Name).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: e.Container, Command: e.Command, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	executor, err := remotecommand.NewWebSocketExecutor(r.Config, http.MethodGet, req.URL().String())
	if err != nil {
		return err
	}
	var stdout, stderr bytes.Buffer
	if err := executor.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr}); err != nil {
		out := strings.TrimSpace(stderr.String() + " " + stdout.String())
		if len(out) > 300 {
			out = out[:300]
		}
		return fmt.Errorf("exec %q in container %s: %w %s", strings.Join(e.Command, " "), e.Container, err, out)
	}
	return nil
}

// startLossless records in the patched pod's state what a lossless update must keep: its game containers' ids.
func startLossless(updated, before *corev1.Pod, set *gstsv1alpha1.GameStatefulSet) error {
	s := inplace.StateOf(updated)
	if s == nil {
		return fmt.Errorf("pod %s has no hot-patch state to record its game containers in", updated.Name)
	}
	lossless.Patched(s, before, set.Spec.UpdateStrategy.HotPatchUpdateStrategy)
	raw, err := lossless.Encode(s)
	if err != nil {
		return err
	}
	updated.Annotations[inplace.HotPatchStateAnnotation] = raw
	return nil
}

// reloadGame runs the reload once and records the outcome in the pod's state. It decides on the pod as the API
// server has it: a reload cannot be taken back, and a reconcile that runs before the cache shows the outcome of the
// last attempt would otherwise tell the game to reload a second time.
func (c *PodControl) reloadGame(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, a *planner.Action) error {
	reload := lossless.ReloadOf(set)
	pod, err := c.livePod(ctx, a.Pod)
	if err != nil || pod == nil {
		return err
	}
	step, s := lossless.Next(pod, reload)
	if step != lossless.Reload || lossless.RetryIn(s, time.Now()) > 0 {
		return nil
	}
	if reload != nil {
		if c.Reloader == nil {
			err = fmt.Errorf("the operator has no reloader")
		} else {
			err = c.Reloader.Reload(ctx, pod, reload)
		}
	}
	if restarted := lossless.Restarted(pod, s); len(restarted) > 0 {
		c.Recorder.Eventf(set, pod, corev1.EventTypeWarning, ReasonGameContainerRestarted, "ReloadGame",
			"Pod %s: the game container(s) %s restarted during the hot-patch to revision %s: the update was not lossless",
			pod.Name, strings.Join(restarted, ", "), a.Revision)
	}
	phase := lossless.Attempted(s, reload, err, time.Now())
	raw, encodeErr := lossless.Encode(s)
	if encodeErr != nil {
		return encodeErr
	}
	updated := pod.DeepCopy()
	updated.Annotations[inplace.HotPatchStateAnnotation] = raw
	if patchErr := c.Client.Patch(ctx, updated, client.MergeFromWithOptions(pod, client.MergeFromWithOptimisticLock{})); patchErr != nil {
		return client.IgnoreNotFound(fmt.Errorf("recording the reload of pod %s: %w", pod.Name, patchErr))
	}
	switch phase {
	case lossless.PhaseReloaded:
		c.Recorder.Eventf(set, a.Pod, corev1.EventTypeNormal, ReasonReloaded, "ReloadGame",
			"Pod %s reloaded its content at revision %s without a restart of its game", a.Pod.Name, a.Revision)
	case lossless.PhaseReloadFailed:
		c.Recorder.Eventf(set, a.Pod, corev1.EventTypeWarning, ReasonReloadFailed, "ReloadGame",
			"Pod %s did not reload after %d attempts, it stays not updated and holds the rollout: %v", a.Pod.Name, s.ReloadAttempts, err)
	default:
		c.Recorder.Eventf(set, a.Pod, corev1.EventTypeWarning, ReasonReloadFailed, "ReloadGame",
			"Pod %s: reload attempt %d failed, retrying: %v", a.Pod.Name, s.ReloadAttempts, err)
	}
	return nil
}

// livePod reads the cached pod from the API server; nil when it is gone or has been replaced by a pod of its name.
func (c *PodControl) livePod(ctx context.Context, cached *corev1.Pod) (*corev1.Pod, error) {
	if c.Reader == nil {
		return cached, nil
	}
	live := &corev1.Pod{}
	if err := c.Reader.Get(ctx, client.ObjectKeyFromObject(cached), live); err != nil {
		return nil, client.IgnoreNotFound(fmt.Errorf("reading pod %s: %w", cached.Name, err))
	}
	if live.UID != cached.UID {
		return nil, nil
	}
	return live, nil
}
