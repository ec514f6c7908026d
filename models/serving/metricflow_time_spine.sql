-- Grain: one row per day, 2000-01-01 to 2040-12-31: MetricFlow's time spine (it joins metrics to
-- it for cumulative and gap-filled queries).
select cast(range as date) as date_day
from range(date '2000-01-01', date '2041-01-01', interval 1 day)
