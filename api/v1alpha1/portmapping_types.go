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

// LoadBalancerProvider names the code that makes a Listener real.
// +kubebuilder:validation:Enum=local;tencentcloud
type LoadBalancerProvider string

const (
	// LocalProvider forwards each listener's ports through a NodePort Service on every node.
	LocalProvider LoadBalancerProvider = "local"
	// TencentCloudProvider creates the listeners on Tencent Cloud CLB instances.
	TencentCloudProvider LoadBalancerProvider = "tencentcloud"
)

// Workload kinds a mapping can select, compared without regard to case as upstream does.
const (
	WorkloadKindGameStatefulSet = "GameStatefulSet"
	WorkloadKindStatefulSet     = "StatefulSet"
)

// Protocols of a mapping; TCP_UDP gives each ordinal a TCP and a UDP listener on the same ports.
const (
	ProtocolTCP    = "TCP"
	ProtocolUDP    = "UDP"
	ProtocolTCPUDP = "TCP_UDP"
)

// IngressPortMapping maps the ordinals [startIndex, endIndex) of one workload onto ports of the load balancers:
// the fields and their meaning are those of bk-bcs's Ingress.spec.portMappings, so that a bk-bcs Ingress
// migrates by moving its list here.
// +kubebuilder:validation:XValidation:rule="self.endIndex > self.startIndex",message="endIndex must be greater than startIndex (it is exclusive)"
// +kubebuilder:validation:XValidation:rule="self.startPort + self.endIndex * (has(self.segmentLength) && self.segmentLength > 1 ? self.segmentLength : 1) - 1 <= 65535",message="the last ordinal's ports end beyond 65535"
// +kubebuilder:validation:XValidation:rule="!has(self.rsStartPort) || self.rsStartPort == 0 || self.isRsPortFixed || self.rsStartPort + self.endIndex * (has(self.segmentLength) && self.segmentLength > 1 ? self.segmentLength : 1) - 1 <= 65535",message="the last ordinal's target ports end beyond 65535"
// +kubebuilder:validation:XValidation:rule="self.workloadKind.lowerAscii() in ['gamestatefulset', 'statefulset']",message="workloadKind must be GameStatefulSet or StatefulSet"
// +kubebuilder:validation:XValidation:rule="self.protocol.upperAscii() in ['TCP', 'UDP', 'TCP_UDP']",message="protocol must be TCP, UDP or TCP_UDP"
type IngressPortMapping struct {
	// Name names the mapping in the pods' environment variables (GSTS_EXTERNAL_<NAME>_PORT); our addition,
	// optional: without it the mapping is MAPPING<index>.
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[a-zA-Z][a-zA-Z0-9_]*$`
	// +optional
	Name string `json:"name,omitempty"`
	// WorkloadKind is GameStatefulSet or StatefulSet.
	// +kubebuilder:validation:MaxLength=32
	WorkloadKind string `json:"workloadKind"`
	// WorkloadName is the workload's name.
	// +kubebuilder:validation:MaxLength=253
	WorkloadName string `json:"workloadName"`
	// WorkloadNamespace must be empty or the mapping's own namespace: a mapping never reaches into another
	// namespace. Kept so that an upstream mapping applies unchanged.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	WorkloadNamespace string `json:"workloadNamespace,omitempty"`
	// StartPort is the first load-balancer port: ordinal i gets
	// [startPort + i*segmentLength, startPort + (i+1)*segmentLength - 1].
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	StartPort int32 `json:"startPort"`
	// RsStartPort is the first port on the pods (real servers); 0 means the load-balancer port.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=65535
	// +optional
	RsStartPort int32 `json:"rsStartPort,omitempty"`
	// StartIndex is the first ordinal mapped.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=65535
	StartIndex int32 `json:"startIndex"`
	// EndIndex is one past the last ordinal mapped.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65536
	EndIndex int32 `json:"endIndex"`
	// SegmentLength is how many consecutive ports each ordinal gets; 0 and 1 mean one.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1024
	// +optional
	SegmentLength int32 `json:"segmentLength,omitempty"`
	// Protocol is TCP, UDP or TCP_UDP (any case, as upstream).
	// +kubebuilder:validation:MaxLength=8
	Protocol string `json:"protocol"`
	// IsRsPortFixed sends every ordinal to the same pod port, rsStartPort (or startPort).
	// +optional
	IsRsPortFixed bool `json:"isRsPortFixed,omitempty"`
	// IgnoreSegment makes one listener per port instead of one segment listener per ordinal.
	// +optional
	IgnoreSegment bool `json:"ignoreSegment,omitempty"`
	// HostPort targets the pod's node IP instead of its pod IP: the pod publishes the target ports as host ports.
	// +optional
	HostPort bool `json:"hostPort,omitempty"`
}

// PortMappingSpec says which load balancers forward which ports to which ordinals.
type PortMappingSpec struct {
	// Provider makes the listeners real: local (a NodePort Service per listener) or tencentcloud (CLB).
	// +kubebuilder:default=local
	// +optional
	Provider LoadBalancerProvider `json:"provider,omitempty"`
	// LoadBalancerIDs are the load balancers every mapping is put on, region-qualified as upstream's lbids
	// annotation ("ap-shanghai:lb-xxxxxxxx", or "lb-xxxxxxxx" in the provider's default region). For the local
	// provider it is a name.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:MaxLength=64
	// +kubebuilder:validation:items:Pattern=`^([a-z0-9-]+:)?[a-z0-9]([a-z0-9-]*[a-z0-9])?$`
	// +listType=set
	LoadBalancerIDs []string `json:"loadBalancerIDs"`
	// PortMappings are upstream's Ingress.spec.portMappings.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	PortMappings []IngressPortMapping `json:"portMappings"`
	// ReadinessGate gives the pods created from now on the readiness gate tkex.tencent.com/listeners-synced,
	// true once every listener of the pod's ordinal forwards to it (GameStatefulSet pods only: a StatefulSet's
	// pods carry only the gates of its template).
	// +optional
	ReadinessGate bool `json:"readinessGate,omitempty"`
}

// LoadBalancerStatus is what the provider reported of one load balancer.
type LoadBalancerStatus struct {
	// ID is the load balancer as the spec names it.
	ID string `json:"id"`
	// Address is the address players connect to (the VIP, or a node's IP for the local provider).
	// +optional
	Address string `json:"address,omitempty"`
}

// PortMappingStatus counts the mapping's listeners.
type PortMappingStatus struct {
	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Listeners is how many listeners the mapping needs.
	// +optional
	Listeners int32 `json:"listeners,omitempty"`
	// SyncedListeners is how many of them the provider has made as specified.
	// +optional
	SyncedListeners int32 `json:"syncedListeners,omitempty"`
	// BoundPods is how many pods are registered on all their listeners.
	// +optional
	BoundPods int32 `json:"boundPods,omitempty"`
	// LoadBalancers are the addresses the providers reported.
	// +listType=map
	// +listMapKey=id
	// +optional
	LoadBalancers []LoadBalancerStatus `json:"loadBalancers,omitempty"`
	// Conditions: Ready (every listener synced) and Valid.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// PortMapping gives every ordinal of a GameStatefulSet (or StatefulSet) its own ports on load balancers, stable
// across restarts, recreation and rescheduling.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=gpm,categories=all
// +kubebuilder:printcolumn:name="PROVIDER",type=string,JSONPath=`.spec.provider`
// +kubebuilder:printcolumn:name="LISTENERS",type=integer,JSONPath=`.status.listeners`
// +kubebuilder:printcolumn:name="SYNCED",type=integer,JSONPath=`.status.syncedListeners`
// +kubebuilder:printcolumn:name="BOUND",type=integer,JSONPath=`.status.boundPods`,description="Pods registered on all their listeners"
// +kubebuilder:printcolumn:name="READY",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="AGE",type=date,JSONPath=`.metadata.creationTimestamp`
type PortMapping struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   PortMappingSpec   `json:"spec"`
	Status PortMappingStatus `json:"status,omitempty"`
}

// PortMappingList is a list of PortMappings.
// +kubebuilder:object:root=true
type PortMappingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []PortMapping `json:"items"`
}

func init() {
	SchemeBuilder.Register(&PortMapping{}, &PortMappingList{})
}
