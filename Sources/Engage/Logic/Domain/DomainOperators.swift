// Domain operators (behaviour aggregates, segments, local time, rollout) register here.
let domainOperators: [String: OperatorSpec] = [:]
