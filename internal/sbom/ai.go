package sbom

import (
	"encoding/json"
	"strings"
)

// AIInfo is what an SBOM says about a machine-learning model or a dataset:
// the CycloneDX modelCard and componentData, or the SPDX 3 ai_AIPackage
// and dataset_DatasetPackage properties with the trainedOn/testedOn
// relationships.
type AIInfo struct {
	// ModelCard is true when a model card is given (CycloneDX modelCard, or
	// in SPDX 3 at least one ai_ property that a model card carries).
	ModelCard bool `json:"modelCard,omitempty"`
	// ModelCardFields names what the card covers, e.g. "modelParameters",
	// "considerations", "ai_informationAboutTraining".
	ModelCardFields []string `json:"modelCardFields,omitempty"`
	// Task and Approach (CycloneDX modelParameters), or the SPDX 3
	// ai_typeOfModel joined.
	Task     string `json:"task,omitempty"`
	Approach string `json:"approach,omitempty"`
	// Datasets are the datasets the model was trained or tested on.
	Datasets []DatasetRef `json:"datasets,omitempty"`
	// SafetyRiskAssessment is the SPDX 3 ai_safetyRiskAssessment
	// (serious, high, medium, low).
	SafetyRiskAssessment string `json:"safetyRiskAssessment,omitempty"`
	// DataTypes are the dataset kinds (CycloneDX data[].type, SPDX 3
	// dataset_datasetType).
	DataTypes []string `json:"dataTypes,omitempty"`
}

// DatasetRef names one dataset of a model.
type DatasetRef struct {
	// Ref is the bom-ref / spdxId of a dataset component, when the
	// dataset is one.
	Ref  string `json:"ref,omitempty"`
	Name string `json:"name,omitempty"`
	// URL is where the data comes from (contents.url), if given inline.
	URL string `json:"url,omitempty"`
	// Relation is "dataset" (CycloneDX modelCard), "trainedOn" or
	// "testedOn" (SPDX 3).
	Relation string `json:"relation"`
}

// cdxJSONModelCard is the part of a CycloneDX modelCard the checks read;
// the other sections are kept raw, only to see that they are there.
type cdxJSONModelCard struct {
	ModelParameters *struct {
		Approach *struct {
			Type string `json:"type"`
		} `json:"approach"`
		Task     string        `json:"task"`
		Datasets []cdxJSONData `json:"datasets"`
	} `json:"modelParameters"`
	QuantitativeAnalysis json.RawMessage `json:"quantitativeAnalysis"`
	Considerations       json.RawMessage `json:"considerations"`
}

// cdxJSONData is a CycloneDX componentData entry, or a {ref} to one.
type cdxJSONData struct {
	Ref      string `json:"ref"`
	Type     string `json:"type"`
	Name     string `json:"name"`
	Contents *struct {
		URL string `json:"url"`
	} `json:"contents"`
}

func convertCDXAI(c *cdxJSONComp, _ string) *AIInfo {
	ai := &AIInfo{}
	if mc := c.ModelCard; mc != nil {
		ai.ModelCard = true
		if p := mc.ModelParameters; p != nil {
			ai.ModelCardFields = append(ai.ModelCardFields, "modelParameters")
			ai.Task = p.Task
			if p.Approach != nil {
				ai.Approach = p.Approach.Type
			}
			for _, d := range p.Datasets {
				ai.Datasets = append(ai.Datasets, dataRef(d, "dataset"))
			}
		}
		if len(mc.QuantitativeAnalysis) > 0 && string(mc.QuantitativeAnalysis) != "null" {
			ai.ModelCardFields = append(ai.ModelCardFields, "quantitativeAnalysis")
		}
		if len(mc.Considerations) > 0 && string(mc.Considerations) != "null" {
			ai.ModelCardFields = append(ai.ModelCardFields, "considerations")
		}
	}
	for _, d := range c.Data {
		ai.DataTypes = appendNonEmpty(ai.DataTypes, d.Type, "")
		if c.Type == "machine-learning-model" {
			ai.Datasets = append(ai.Datasets, dataRef(d, "dataset"))
		}
	}
	return ai
}

func dataRef(d cdxJSONData, rel string) DatasetRef {
	r := DatasetRef{Ref: d.Ref, Name: d.Name, Relation: rel}
	if d.Contents != nil {
		r.URL = d.Contents.URL
	}
	return r
}

// spdx3AI are the SPDX 3 AI and dataset profile properties the model keeps.
type spdx3AI struct {
	TypeOfModel          strList         `json:"ai_typeOfModel"`
	SafetyRiskAssessment string          `json:"ai_safetyRiskAssessment"`
	InfoAboutTraining    json.RawMessage `json:"ai_informationAboutTraining"`
	InfoAboutApplication json.RawMessage `json:"ai_informationAboutApplication"`
	Metric               json.RawMessage `json:"ai_metric"`
	Limitation           json.RawMessage `json:"ai_limitation"`
	Domain               json.RawMessage `json:"ai_domain"`
	Hyperparameter       json.RawMessage `json:"ai_hyperparameter"`
	DatasetType          strList         `json:"dataset_datasetType"`
}

// spdx3AIInfo reads the AI or dataset properties of an SPDX 3 element.
func spdx3AIInfo(e *spdx3AI, isModel bool) *AIInfo {
	ai := &AIInfo{SafetyRiskAssessment: e.SafetyRiskAssessment, DataTypes: e.DatasetType, Task: strings.Join(e.TypeOfModel, "; ")}
	if !isModel {
		return ai
	}
	for _, f := range []struct {
		name string
		raw  json.RawMessage
	}{{"ai_informationAboutTraining", e.InfoAboutTraining}, {"ai_informationAboutApplication", e.InfoAboutApplication},
		{"ai_metric", e.Metric}, {"ai_limitation", e.Limitation}, {"ai_domain", e.Domain}, {"ai_hyperparameter", e.Hyperparameter}} {
		if len(f.raw) > 0 && string(f.raw) != "null" {
			ai.ModelCardFields = append(ai.ModelCardFields, f.name)
		}
	}
	if len(e.TypeOfModel) > 0 {
		ai.ModelCardFields = append(ai.ModelCardFields, "ai_typeOfModel")
	}
	ai.ModelCard = len(ai.ModelCardFields) > 0
	return ai
}

// Models returns the indexes of the machine-learning-model and data
// components of d, in document order.
func (d *Document) Models() (models, datasets []int) {
	for i := range d.Components {
		switch d.Components[i].Type {
		case "machine-learning-model":
			models = append(models, i)
		case "data":
			datasets = append(datasets, i)
		}
	}
	return models, datasets
}
