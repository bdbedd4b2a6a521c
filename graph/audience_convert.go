package graph

import (
	"github.com/casegate/casegate/graph/model"
	"github.com/casegate/casegate/internal/audience"
)

func audienceFilter(f *model.AudienceFilter) audience.Filter {
	if f == nil {
		return audience.Filter{}
	}
	return audience.Filter{Kind: f.Kind, Right: f.Right, Rule: deref(f.Rule), Search: deref(f.Search)}
}

func audienceConnection(p audience.Page, err error) (*model.AudienceConnection, error) {
	return connection(p.Page, err, func(c string, n **audience.Member) model.AudienceEdge { return model.AudienceEdge{Cursor: c, Node: *n} },
		func(e []model.AudienceEdge, pi *model.PageInfo) *model.AudienceConnection {
			return &model.AudienceConnection{Edges: e, PageInfo: pi, TotalCount: p.Total}
		})
}
