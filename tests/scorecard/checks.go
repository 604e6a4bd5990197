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
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/operator-framework/api/pkg/operators/v1alpha1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

const kind = "GameStatefulSet"

// sampleReady: the CSV's example reaches its ready replicas, every pod on the update revision, condition Ready.
func sampleReady(ctx context.Context, env *environment) ([]string, string) {
	set, cleanup, err := createExample(ctx, env, "ready")
	if err != nil {
		return []string{err.Error()}, ""
	}
	defer cleanup()
	status, err := waitReady(ctx, env, set, replicasOf(set))
	if err != nil {
		return []string{err.Error()}, status
	}
	return nil, status
}

// scaleSubresource: the scale subresource reports replicas and a selector, and scaling through it (what kubectl
// scale and the HPA do) brings a pod with the next ordinal.
func scaleSubresource(ctx context.Context, env *environment) ([]string, string) {
	set, cleanup, err := createExample(ctx, env, "scale")
	if err != nil {
		return []string{err.Error()}, ""
	}
	defer cleanup()
	replicas := replicasOf(set)
	if status, err := waitReady(ctx, env, set, replicas); err != nil {
		return []string{err.Error()}, status
	}
	// the set is unstructured, so is its scale: the client serves a subresource in the form of its object
	scaleObject := &unstructured.Unstructured{}
	scaleObject.SetGroupVersionKind(autoscalingv1.SchemeGroupVersion.WithKind("Scale"))
	if err := env.client.SubResource("scale").Get(ctx, set, scaleObject); err != nil {
		return []string{fmt.Sprintf("get the scale subresource: %v", err)}, ""
	}
	var scale autoscalingv1.Scale
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(scaleObject.Object, &scale); err != nil {
		return []string{fmt.Sprintf("the scale subresource is not an autoscaling/v1 Scale: %v", err)}, ""
	}
	var errs []string
	if scale.Spec.Replicas != replicas || scale.Status.Replicas != replicas {
		errs = append(errs, fmt.Sprintf("scale says spec %d, status %d replicas; the set has %d", scale.Spec.Replicas,
			scale.Status.Replicas, replicas))
	}
	selector, err := metav1.ParseToLabelSelector(scale.Status.Selector)
	if err != nil || len(selector.MatchLabels)+len(selector.MatchExpressions) == 0 {
		errs = append(errs, fmt.Sprintf("scale status selector %q is not a selector an HPA can use (%v)", scale.Status.Selector, err))
	}
	if err := unstructured.SetNestedField(scaleObject.Object, int64(replicas+1), "spec", "replicas"); err != nil {
		return append(errs, err.Error()), ""
	}
	if err := env.client.SubResource("scale").Update(ctx, set, client.WithSubResourceBody(scaleObject)); err != nil {
		return append(errs, fmt.Sprintf("update the scale subresource: %v", err)), ""
	}
	status, err := waitReady(ctx, env, set, replicas+1)
	if err != nil {
		return append(errs, err.Error()), status
	}
	var pod corev1.Pod
	newest := fmt.Sprintf("%s-%d", set.GetName(), ordinalsStart(set)+replicas)
	if err := env.client.Get(ctx, client.ObjectKey{Namespace: set.GetNamespace(), Name: newest}, &pod); err != nil {
		errs = append(errs, fmt.Sprintf("after scaling to %d the pod %s: %v", replicas+1, newest, err))
	}
	return errs, status
}

// statusDescriptors: every status field the CSV describes for the console is filled once the example is ready.
func statusDescriptors(ctx context.Context, env *environment) ([]string, string) {
	csv, err := loadCSV(env.bundleDir)
	if err != nil {
		return []string{err.Error()}, ""
	}
	var descriptors []v1alpha1.StatusDescriptor
	for _, owned := range csv.Spec.CustomResourceDefinitions.Owned {
		if owned.Kind == kind {
			descriptors = owned.StatusDescriptors
		}
	}
	if len(descriptors) == 0 {
		return []string{"the CSV describes no status field of " + kind}, ""
	}
	set, cleanup, err := createExample(ctx, env, "status")
	if err != nil {
		return []string{err.Error()}, ""
	}
	defer cleanup()
	log, err := waitReady(ctx, env, set, replicasOf(set))
	if err != nil {
		return []string{err.Error()}, log
	}
	if err := env.client.Get(ctx, client.ObjectKeyFromObject(set), set); err != nil {
		return []string{err.Error()}, log
	}
	var errs []string
	for _, d := range descriptors {
		value, found, _ := unstructured.NestedFieldNoCopy(set.Object, append([]string{"status"}, strings.Split(d.Path, ".")...)...)
		if !found || isEmpty(value) {
			errs = append(errs, fmt.Sprintf("status.%s (%s) is empty on a ready %s", d.Path, d.DisplayName, kind))
		}
	}
	return errs, log
}

func isEmpty(value any) bool {
	switch v := value.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

func loadCSV(bundleDir string) (*v1alpha1.ClusterServiceVersion, error) {
	paths, err := filepath.Glob(filepath.Join(bundleDir, "manifests", "*.clusterserviceversion.yaml"))
	if err != nil || len(paths) != 1 {
		return nil, fmt.Errorf("want one ClusterServiceVersion in %s/manifests, found %d (%v)", bundleDir, len(paths), err)
	}
	raw, err := os.ReadFile(paths[0])
	if err != nil {
		return nil, err
	}
	var csv v1alpha1.ClusterServiceVersion
	return &csv, yaml.Unmarshal(raw, &csv)
}

// createExample creates the CSV's first GameStatefulSet example under its name plus suffix.
func createExample(ctx context.Context, env *environment, suffix string) (*unstructured.Unstructured, func(), error) {
	csv, err := loadCSV(env.bundleDir)
	if err != nil {
		return nil, nil, err
	}
	var examples []map[string]any
	if err := json.Unmarshal([]byte(csv.Annotations["alm-examples"]), &examples); err != nil {
		return nil, nil, fmt.Errorf("alm-examples: %w", err)
	}
	for _, example := range examples {
		if example["kind"] != kind {
			continue
		}
		set := &unstructured.Unstructured{Object: example}
		set.SetName(set.GetName() + "-" + suffix)
		set.SetNamespace(env.namespace)
		if err := env.client.Create(ctx, set); err != nil {
			return nil, nil, fmt.Errorf("create the example %s: %w", set.GetName(), err)
		}
		cleanup := func() {
			// a fresh context: the test's may have run out
			cleanupCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			_ = env.client.Delete(cleanupCtx, set, client.PropagationPolicy(metav1.DeletePropagationBackground))
		}
		return set, cleanup, nil
	}
	return nil, nil, errors.New("alm-examples holds no " + kind)
}

func replicasOf(set *unstructured.Unstructured) int32 {
	replicas, found, _ := unstructured.NestedInt64(set.Object, "spec", "replicas")
	if !found {
		return 1
	}
	return int32(replicas)
}

func ordinalsStart(set *unstructured.Unstructured) int32 {
	start, _, _ := unstructured.NestedInt64(set.Object, "spec", "ordinals", "start")
	return int32(start)
}

// waitReady waits until the operator reports replicas pods, all ready and updated, for the set's generation, and
// returns the last status it saw.
func waitReady(ctx context.Context, env *environment, set *unstructured.Unstructured, replicas int32) (string, error) {
	var last string
	err := wait.PollUntilContextCancel(ctx, time.Second, true, func(ctx context.Context) (bool, error) {
		current := &unstructured.Unstructured{}
		current.SetGroupVersionKind(set.GroupVersionKind())
		if err := env.client.Get(ctx, client.ObjectKeyFromObject(set), current); err != nil {
			return false, nil
		}
		status, _, _ := unstructured.NestedMap(current.Object, "status")
		raw, _ := json.Marshal(status)
		last = string(raw)
		observed, _, _ := unstructured.NestedInt64(status, "observedGeneration")
		count := func(field string) int64 { n, _, _ := unstructured.NestedInt64(status, field); return n }
		return observed >= current.GetGeneration() && count("replicas") == int64(replicas) &&
			count("readyReplicas") == int64(replicas) && count("updatedReplicas") == int64(replicas), nil
	})
	if err != nil {
		return last, fmt.Errorf("%s %s did not reach %d ready and updated replicas: %v; last status %s",
			kind, set.GetName(), replicas, err, last)
	}
	return last, nil
}

// untar unpacks a gzipped tarball into dir, as scorecard's untar init container does with the bundle.
func untar(tarball, dir string) error {
	f, err := os.Open(tarball)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	archive := tar.NewReader(gz)
	for {
		header, err := archive.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.Clean("/"+header.Name))
		switch header.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			out, err := os.Create(target)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, archive); err != nil { //nolint:gosec // our own bundle, a few hundred KB
				out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
		}
	}
}
