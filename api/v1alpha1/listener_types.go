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

package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Listener statuses, upstream's words.
const (
	ListenerSynced    = "Synced"
	ListenerNotSynced = "NotSynced"
)

// ListenerBackend is one target: an IP and the first port of its range.
type ListenerBackend struct {
	// +kubebuilder:validation:MaxLength=45
	IP string `json:"IP"`
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	Weight int32 `json:"weight,omitempty"`
}

// ListenerTargetGroup is what a listener forwards to.
type ListenerTargetGroup struct {
	// +optional
	Protocol string `json:"protocol,omitempty"`
	// +kubebuilder:validation:MaxItems=64
	// +listType=atomic
	// +optional
	Backends []ListenerBackend `json:"backends,omitempty"`
}

// ListenerSpec is what must exist on a load balancer, with upstream's field names.
// +kubebuilder:validation:XValidation:rule="!has(self.endPort) || self.endPort == 0 || self.endPort > self.port",message="endPort must be 0 or greater than port"
type ListenerSpec struct {
	// Provider makes the listener real.
	Provider LoadBalancerProvider `json:"provider"`
	// LoadbalancerID is the load balancer, region-qualified or not.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	LoadbalancerID string `json:"loadbalancerID"`
	// Port is the first port.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port"`
	// EndPort is the last port of a segment listener; 0 for one port.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=65535
	// +optional
	EndPort int32 `json:"endPort,omitempty"`
	// Protocol is TCP or UDP.
	// +kubebuilder:validation:Enum=TCP;UDP
	Protocol string `json:"protocol"`
	// TargetGroup is the pods the listener forwards to; empty while its ordinal has no pod.
	// +optional
	TargetGroup *ListenerTargetGroup `json:"targetGroup,omitempty"`
}

// ListenerStatus is what the provider did.
type ListenerStatus struct {
	// ObservedGeneration is the generation last pushed to the provider.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Status is Synced when the provider holds the spec of observedGeneration, NotSynced otherwise.
	// +optional
	Status string `json:"status,omitempty"`
	// ListenerID is the provider's id of the listener (CLB's lbl-…; the Service for the local provider).
	// +optional
	ListenerID string `json:"listenerID,omitempty"`
	// Address is the load balancer's address players connect to.
	// +optional
	Address string `json:"address,omitempty"`
	// Msg is the last error, empty once synced.
	// +optional
	Msg string `json:"msg,omitempty"`
	// LastSyncTime is when the provider last confirmed the spec.
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`
}

// Listener records one listener a PortMapping needs on a load balancer; its controller pushes it to the
// provider and deletes it there before the object goes.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:categories=all
// +kubebuilder:printcolumn:name="STATUS",type=string,JSONPath=`.status.status`
// +kubebuilder:printcolumn:name="PROTOCOL",type=string,JSONPath=`.spec.protocol`
// +kubebuilder:printcolumn:name="PORT",type=integer,JSONPath=`.spec.port`
// +kubebuilder:printcolumn:name="ENDPORT",type=integer,JSONPath=`.spec.endPort`
// +kubebuilder:printcolumn:name="LOADBALANCER",type=string,JSONPath=`.spec.loadbalancerID`
// +kubebuilder:printcolumn:name="LISTENERID",type=string,JSONPath=`.status.listenerID`
// +kubebuilder:printcolumn:name="TARGET",type=string,JSONPath=`.spec.targetGroup.backends[0].IP`
// +kubebuilder:printcolumn:name="AGE",type=date,JSONPath=`.metadata.creationTimestamp`
type Listener struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ListenerSpec   `json:"spec"`
	Status ListenerStatus `json:"status,omitempty"`
}

// ListenerList is a list of Listeners.
// +kubebuilder:object:root=true
type ListenerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Listener `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Listener{}, &ListenerList{})
}
