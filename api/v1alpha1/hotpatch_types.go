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

// HotPatchUpdateStrategy makes HotPatchUpdate lossless on a stock kubelet: only the content containers (sidecars
// that share a volume with the game) take the new images, and the game is told to reload once they run. Without
// it, HotPatchUpdate leaves the image swap to the original operator's customised kubelet.
type HotPatchUpdateStrategy struct {
	// Containers are the content containers: the only ones whose image a revision may change. The kubelet
	// restarts them with their new images; every other container keeps running.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=63
	// +listType=set
	Containers []string `json:"containers"`
	// Reload tells the game that its content changed; without it the content containers' restart is all.
	// +optional
	Reload *ReloadAction `json:"reload,omitempty"`
}

// ReloadAction is how the game learns its content changed: a command in one of its containers, or an HTTP GET.
type ReloadAction struct {
	// Exec runs a command in a container of the pod, through the API server, as `kubectl exec` does.
	// +optional
	Exec *ReloadExec `json:"exec,omitempty"`
	// HTTPGet asks the pod over HTTP; a status below 400 is success.
	// +optional
	HTTPGet *ReloadHTTPGet `json:"httpGet,omitempty"`
	// TimeoutSeconds bounds one attempt.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=300
	// +kubebuilder:default=10
	// +optional
	TimeoutSeconds int32 `json:"timeoutSeconds,omitempty"`
	// Retries is how many times a failed attempt is repeated before the reload counts as failed.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10
	// +kubebuilder:default=2
	// +optional
	Retries int32 `json:"retries,omitempty"`
}

// ReloadExec is a command to run in a container.
type ReloadExec struct {
	// Container runs the command.
	// +kubebuilder:validation:MaxLength=63
	Container string `json:"container"`
	// Command is the argv, run without a shell; exit status 0 is success.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=1024
	// +listType=atomic
	Command []string `json:"command"`
}

// ReloadHTTPGet is a GET to the pod's IP.
type ReloadHTTPGet struct {
	// Port is the pod's port.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port"`
	// Path is the request's path.
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:default=/
	// +optional
	Path string `json:"path,omitempty"`
	// Scheme is HTTP (the default) or HTTPS (its certificate is not verified, as probes do not).
	// +kubebuilder:validation:Enum=HTTP;HTTPS
	// +optional
	Scheme string `json:"scheme,omitempty"`
}
