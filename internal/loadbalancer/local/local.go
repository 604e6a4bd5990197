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

// Package local is the load-balancer provider of any cluster: a listener is a selector-less NodePort Service
// whose node ports are the listener's ports and an EndpointSlice that sends them to the targets, so that
// kube-proxy forwards <node IP>:<port> to the right pod.
package local

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/loadbalancer"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/network"
)

// Provider writes the Services and EndpointSlices of local listeners.
type Provider struct {
	Client client.Client
	// Address is what players connect to; empty means the InternalIP of the oldest Ready node.
	Address string
}

var _ loadbalancer.Provider = (*Provider)(nil)

// Ensure writes the listener's Service (shared with its siblings of the same ports) and its slices.
func (p *Provider) Ensure(ctx context.Context, l *gstsv1alpha1.Listener) (loadbalancer.Observed, error) {
	forward := network.ForwardOf(l.Name, l.Spec)
	service := network.LocalServiceName(forward)
	if err := p.writeService(ctx, l.Namespace, service, ""); err != nil {
		return loadbalancer.Observed{}, err
	}
	if err := WriteSlices(ctx, p.Client, l.Namespace, service, forward, owner(l)); err != nil {
		return loadbalancer.Observed{}, err
	}
	address, err := p.address(ctx)
	if err != nil {
		return loadbalancer.Observed{}, err
	}
	return loadbalancer.Observed{ListenerID: "service/" + service, Address: address}, nil
}

// Delete removes the listener's slices and its ports from the Service, and the Service with its last listener.
func (p *Provider) Delete(ctx context.Context, l *gstsv1alpha1.Listener) error {
	forward := network.ForwardOf(l.Name, l.Spec)
	forward.Targets = nil
	if err := WriteSlices(ctx, p.Client, l.Namespace, network.LocalServiceName(forward), forward, nil); err != nil {
		return err
	}
	return p.writeService(ctx, l.Namespace, network.LocalServiceName(forward), l.Name)
}

// writeService makes the Service carry the ports of the listeners that share it, leaving out the one going.
func (p *Provider) writeService(ctx context.Context, namespace, name, leaving string) error {
	var siblings gstsv1alpha1.ListenerList
	if err := p.Client.List(ctx, &siblings, client.InNamespace(namespace), client.MatchingLabels{network.LocalServiceLabel: name}); err != nil {
		return err
	}
	var forwards []network.LocalForward
	var owners []metav1.OwnerReference
	for i := range siblings.Items {
		s := &siblings.Items[i]
		if s.Name == leaving || s.DeletionTimestamp != nil || s.Spec.Provider != gstsv1alpha1.LocalProvider {
			continue
		}
		forwards = append(forwards, network.ForwardOf(s.Name, s.Spec))
		owners = append(owners, *owner(s))
	}
	sort.Slice(owners, func(i, j int) bool { return owners[i].Name < owners[j].Name })
	return WriteService(ctx, p.Client, namespace, name, forwards, owners)
}

// WriteService creates, updates or (without forwards) deletes the Service of forwards; the fake cloud of the
// e2e suite mirrors its listeners through it too.
func WriteService(ctx context.Context, c client.Client, namespace, name string, forwards []network.LocalForward, owners []metav1.OwnerReference) error {
	var existing corev1.Service
	err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &existing)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	found := err == nil
	if len(forwards) == 0 {
		if found {
			return client.IgnoreNotFound(c.Delete(ctx, &existing, client.Preconditions{UID: &existing.UID}))
		}
		return nil
	}
	want := network.LocalService(namespace, name, forwards)
	want.OwnerReferences = owners
	if !found {
		if err := c.Create(ctx, want); err != nil {
			return fmt.Errorf("creating Service %s with node ports %s: %w", name, nodePorts(want), err)
		}
		return nil
	}
	if apiequality.Semantic.DeepEqual(existing.Spec.Ports, want.Spec.Ports) && existing.Spec.Type == want.Spec.Type &&
		apiequality.Semantic.DeepEqual(existing.OwnerReferences, want.OwnerReferences) {
		return nil
	}
	updated := existing.DeepCopy()
	updated.Spec.Type, updated.Spec.Ports, updated.Spec.Selector = want.Spec.Type, want.Spec.Ports, nil
	updated.OwnerReferences = want.OwnerReferences
	if err := c.Update(ctx, updated); err != nil {
		return fmt.Errorf("updating Service %s to node ports %s: %w", name, nodePorts(want), err)
	}
	return nil
}

// WriteSlices makes the forward's EndpointSlices those of its targets.
func WriteSlices(ctx context.Context, c client.Client, namespace, service string, forward network.LocalForward, owner *metav1.OwnerReference) error {
	var existing discoveryv1.EndpointSliceList
	if err := c.List(ctx, &existing, client.InNamespace(namespace),
		client.MatchingLabels{network.LocalListenerLabel: network.LocalListenerSelector(forward.Name)}); err != nil {
		return err
	}
	have := map[string]*discoveryv1.EndpointSlice{}
	for i := range existing.Items {
		have[existing.Items[i].Name] = &existing.Items[i]
	}
	for _, want := range network.LocalSlices(namespace, service, forward) {
		if owner != nil {
			want.OwnerReferences = []metav1.OwnerReference{*owner}
		}
		current := have[want.Name]
		delete(have, want.Name)
		if current == nil {
			if err := c.Create(ctx, want); err != nil {
				return fmt.Errorf("creating EndpointSlice %s: %w", want.Name, err)
			}
			continue
		}
		if apiequality.Semantic.DeepEqual(current.Endpoints, want.Endpoints) && apiequality.Semantic.DeepEqual(current.Ports, want.Ports) &&
			apiequality.Semantic.DeepEqual(current.Labels, want.Labels) {
			continue
		}
		updated := current.DeepCopy()
		updated.Endpoints, updated.Ports, updated.Labels, updated.AddressType = want.Endpoints, want.Ports, want.Labels, want.AddressType
		if err := c.Update(ctx, updated); err != nil {
			return fmt.Errorf("updating EndpointSlice %s: %w", want.Name, err)
		}
	}
	for _, stale := range have {
		if err := c.Delete(ctx, stale); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting EndpointSlice %s: %w", stale.Name, err)
		}
	}
	return nil
}

func owner(l *gstsv1alpha1.Listener) *metav1.OwnerReference {
	return &metav1.OwnerReference{APIVersion: gstsv1alpha1.GroupVersion.String(), Kind: "Listener", Name: l.Name, UID: l.UID}
}

func nodePorts(svc *corev1.Service) string {
	if len(svc.Spec.Ports) == 0 {
		return "none"
	}
	first, last := svc.Spec.Ports[0].NodePort, svc.Spec.Ports[0].NodePort
	for _, p := range svc.Spec.Ports {
		first, last = min(first, p.NodePort), max(last, p.NodePort)
	}
	if first == last {
		return fmt.Sprint(first)
	}
	return fmt.Sprintf("%d-%d", first, last)
}

// address is the configured one, or the oldest Ready node's InternalIP: a node port answers on every node.
func (p *Provider) address(ctx context.Context) (string, error) {
	if p.Address != "" {
		return p.Address, nil
	}
	var nodes corev1.NodeList
	if err := p.Client.List(ctx, &nodes); err != nil {
		return "", err
	}
	sort.Slice(nodes.Items, func(i, j int) bool {
		a, b := nodes.Items[i].CreationTimestamp, nodes.Items[j].CreationTimestamp
		if !a.Equal(&b) {
			return a.Before(&b)
		}
		return nodes.Items[i].Name < nodes.Items[j].Name
	})
	for _, n := range nodes.Items {
		if !ready(&n) {
			continue
		}
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP {
				return a.Address, nil
			}
		}
	}
	return "", nil
}

func ready(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
