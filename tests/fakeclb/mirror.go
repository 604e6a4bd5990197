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

package fakeclb

import (
	"context"
	"fmt"
	"sync"

	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/loadbalancer/local"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/network"
)

// Mirror makes the fake's listeners real on a cluster through the local provider's data path (a NodePort
// Service per port range, EndpointSlices of the targets), so that a packet sent to <node IP>:<port> reaches
// the pod the tencentcloud provider registered: the e2e suite then tests the cloud code end to end. Errors are
// reported to errs, which may be nil.
type Mirror struct {
	Client    client.Client
	Namespace string
	Errs      func(error)

	mu       sync.Mutex
	services map[string]bool
	slices   map[string]network.LocalForward
}

// Sync writes the state; set it as the Server's OnChange.
func (m *Mirror) Sync(state []ListenerState) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ctx := context.Background()
	byService := map[string][]network.LocalForward{}
	forwards := map[string]network.LocalForward{}
	for _, l := range state {
		f := network.LocalForward{Name: "clb-" + l.ListenerID, LoadBalancerID: l.LoadBalancerID, Protocol: l.Protocol,
			Port: int32(l.Port), EndPort: int32(l.EndPort)}
		for _, t := range l.Targets {
			f.Targets = append(f.Targets, gstsv1alpha1.ListenerBackend{IP: t.IP, Port: int32(t.Port)})
		}
		name := network.LocalServiceName(f)
		byService[name] = append(byService[name], f)
		forwards[f.Name] = f
	}
	if m.services == nil {
		m.services, m.slices = map[string]bool{}, map[string]network.LocalForward{}
	}
	for name, fs := range byService {
		m.report(local.WriteService(ctx, m.Client, m.Namespace, name, fs, nil))
		m.services[name] = true
		for _, f := range fs {
			m.report(local.WriteSlices(ctx, m.Client, m.Namespace, name, f, nil))
		}
	}
	for name, f := range m.slices {
		if _, ok := forwards[name]; !ok {
			f.Targets = nil
			m.report(local.WriteSlices(ctx, m.Client, m.Namespace, network.LocalServiceName(f), f, nil))
		}
	}
	m.slices = forwards
	for name := range m.services {
		if _, ok := byService[name]; !ok {
			m.report(local.WriteService(ctx, m.Client, m.Namespace, name, nil, nil))
			delete(m.services, name)
		}
	}
}

func (m *Mirror) report(err error) {
	if err != nil && m.Errs != nil {
		m.Errs(fmt.Errorf("mirroring the fake CLB: %w", err))
	}
}
