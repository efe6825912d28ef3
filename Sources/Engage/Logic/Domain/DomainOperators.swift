// The domain operators libengage adds to JSON Logic (see docs/targeting.md).
let domainOperators: [String: OperatorSpec] = [
    "event_count": buildAggregate(.count),
    "event_sum": buildAggregate(.sum),
    "last_seen": buildAggregate(.last),
    "impressions": buildImpressionQuery(.count),
    "last_impression": buildImpressionQuery(.last),
    "now": OperatorSpec(
        build: { (_: inout Compiler, _: JSON, path: String) throws(LogicError) -> Node in
            NowNode(path: path)
        }, foldable: false),
    "segment": segmentOperator,
    "rollout": rolloutOperator,
    "local_time": localTimeOperator(.time),
    "local_hour": localTimeOperator(.hour),
    "day_of_week": localTimeOperator(.weekday),
    "local_date": localTimeOperator(.date),
    "time_between": localTimeOperator(.between),
]
