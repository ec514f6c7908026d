-- The floor of `sme-credit bench`: the invoice columns of marts.enterprise_indicators computed
-- from the raw files by one hand-written DuckDB script, with the staging rules that apply to typed
-- Parquet (exact duplicates collapsed, key conflicts and implausible rows dropped), but no text
-- parsing, quarantine reasons, reconciliation or tests. Placeholders ($$name) are filled by floor.py.
set threads = $threads;
set memory_limit = '$memory_limit';
set preserve_insertion_order = false;
-- a share that is at most 1 exactly, floating-point excess removed (least() would turn NULL into 1)
create temp macro cap(x) as case when x > 1 then 1.0 else x end;

create temp table ent as
select enterprise_id, founded_on, lower(coalesce(trim(industry), 'unknown')) as industry
from read_parquet('$raw_dir/enterprises.parquet')
where enterprise_id is not null
qualify count(*) over (partition by enterprise_id) = 1;

-- One pass on the narrow key: copies of one invoice collapse, and a key whose rows differ in
-- content (two content hashes) is dropped whole, as the key_conflict rule does.
create temp table inv as
with by_key as (
    select
        enterprise_id, direction, invoice_number,
        min(hash(issue_date, counterparty_id, amount, tax, total, status)) as lo,
        max(hash(issue_date, counterparty_id, amount, tax, total, status)) as hi,
        any_value({'d': issue_date, 'c': counterparty_id, 'a': amount, 't': tax, 'tot': total, 's': status}) as r
    from read_parquet('$raw_dir/invoices/**/*.parquet')
    group by enterprise_id, direction, invoice_number, case when direction = 'purchase' then counterparty_id end
)
select b.enterprise_id, b.direction = 'sales' as is_sale, r.d as issue_date, r.c as counterparty_id,
       r.a as amount, r.t as tax, r.s = 'valid' as is_valid
from by_key as b
join ent on ent.enterprise_id = b.enterprise_id
where lo = hi and b.direction in ('sales', 'purchase') and r.s in ('valid', 'voided') and b.invoice_number is not null
  and r.d between date '$earliest' and date '$cutoff' and (ent.founded_on is null or r.d >= ent.founded_on)
  and r.a is not null and r.tot is not null and isfinite(r.a) and isfinite(r.tot) and isfinite(coalesce(r.t, 0))
  and greatest(abs(r.a), abs(r.tot), abs(coalesce(r.t, 0))) <= $max_abs_amount
  and abs(r.tot - (r.a + coalesce(r.t, 0))) <= $total_tolerance;

-- as-of calendar: the month after the last month with >= 10% of the peak enterprises; the panel
-- starts 12 months after the start of the last run of months without a gap over 12 months
create temp table cal as
with m as (
    select date_trunc('month', issue_date)::date as month, count(distinct enterprise_id) as n
    from inv where is_valid group by 1
),
last_m as (select max(month) as last_month from m where n >= $min_share * (select max(n) from m)),
gaps as (select month, date_diff('month', lag(month) over (order by month), month) as gap from m)
select
    least(last_month + interval 1 month, date_trunc('month', date '$cutoff' + interval 1 day))::date as final_as_of,
    (select max(month) from gaps where (gap is null or gap > 12) and month <= last_month) as run_start,
    (select min(date_trunc('month', issue_date))::date from inv
     where issue_date < least(last_month + interval 1 month, date_trunc('month', date '$cutoff' + interval 1 day))) as first_any_month
from last_m;

create temp table em as
with cp as (
    -- per counterparty and month: gross amount g and cumulative amount s; the sum of squares of
    -- cumulative amounts grows by s^2 - (s - g)^2 in that month
    select *, sum(g) over w as s, month = min(month) over w_all as is_new
    from (
        select enterprise_id, is_sale, counterparty_id, date_trunc('month', issue_date)::date as month, sum(amount) as g
        from inv
        where is_valid and amount > 0 and counterparty_id is not null and issue_date < (select final_as_of from cal)
        group by all
    )
    window w as (partition by enterprise_id, is_sale, counterparty_id order by month),
           w_all as (partition by enterprise_id, is_sale, counterparty_id)
),
conc as (
    select enterprise_id, month,
        sum(s * s - (s - g) * (s - g)) filter (is_sale) as c_ss, count(*) filter (is_sale and is_new) as c_new,
        max(s) filter (is_sale) as c_top, sum(g) filter (is_sale) as c_g,
        sum(s * s - (s - g) * (s - g)) filter (not is_sale) as p_ss, count(*) filter (not is_sale and is_new) as p_new,
        max(s) filter (not is_sale) as p_top, sum(g) filter (not is_sale) as p_g
    from cp group by all
),
flows as (
    select enterprise_id, date_trunc('month', issue_date)::date as month,
        sum(amount) filter (is_sale and is_valid) as s_net, sum(tax) filter (is_sale and is_valid) as s_tax,
        sum(amount) filter (is_sale and is_valid and amount > 0) as s_gross,
        -sum(amount) filter (is_sale and is_valid and amount < 0) as s_red_amt,
        count(*) filter (is_sale and is_valid and amount > 0) as s_orders,
        count(*) filter (is_sale and is_valid and amount < 0) as s_red_n,
        count(*) filter (is_sale) as s_n, count(*) filter (is_sale and not is_valid) as s_void,
        sum(abs(amount)) filter (is_sale) as s_abs, sum(abs(amount)) filter (is_sale and not is_valid) as s_void_abs,
        sum(amount) filter (not is_sale and is_valid) as p_net, sum(tax) filter (not is_sale and is_valid) as p_tax,
        sum(amount) filter (not is_sale and is_valid and amount > 0) as p_gross,
        count(*) filter (not is_sale and is_valid and amount > 0) as p_orders,
        count(*) filter (not is_sale) as p_n, count(*) filter (not is_sale and not is_valid) as p_void,
        count(*) filter (is_valid) as n_valid,
        min(issue_date) filter (is_valid) as first_d, max(issue_date) filter (is_valid) as last_d
    from inv where issue_date < (select final_as_of from cal)
    group by all
),
months as (
    select f.enterprise_id, unnest(generate_series(f.start, (select final_as_of from cal) - interval 1 month, interval 1 month))::date as month
    from (select enterprise_id, min(month) as start from flows where n_valid > 0 group by 1) as f
)
select months.enterprise_id, months.month,
    row_number() over (partition by months.enterprise_id order by months.month) as k,
    coalesce(s_net, 0) as s_net, coalesce(s_tax, 0) as s_tax, coalesce(s_gross, 0) as s_gross,
    coalesce(s_red_amt, 0) as s_red_amt, coalesce(s_orders, 0) as s_orders, coalesce(s_red_n, 0) as s_red_n,
    coalesce(s_n, 0) as s_n, coalesce(s_void, 0) as s_void, coalesce(s_abs, 0) as s_abs,
    coalesce(s_void_abs, 0) as s_void_abs, coalesce(p_net, 0) as p_net, coalesce(p_tax, 0) as p_tax,
    coalesce(p_gross, 0) as p_gross, coalesce(p_orders, 0) as p_orders, coalesce(p_n, 0) as p_n,
    coalesce(p_void, 0) as p_void, coalesce(n_valid, 0) as n_valid, first_d, last_d,
    coalesce(c_ss, 0) as c_ss, coalesce(c_new, 0) as c_new, coalesce(c_top, 0) as c_top, coalesce(c_g, 0) as c_g,
    coalesce(p_ss, 0) as p_ss, coalesce(p_new, 0) as p_new, coalesce(p_top, 0) as p_top, coalesce(p_g, 0) as p_g
from months
left join flows using (enterprise_id, month)
left join conc using (enterprise_id, month);

create temp table ip as
with r as (
    select enterprise_id, (month + interval 1 month)::date as as_of_date,
        sum(s_net) over a as ns, sum(p_net) over a as np, sum(s_tax) over a as st, sum(p_tax) over a as pt,
        sum(s_gross) over a as sg, sum(s_red_amt) over a as sra, sum(s_orders) over a as so, sum(s_red_n) over a as srn,
        sum(s_n) over a as sn, sum(s_void) over a as sv, sum(s_abs) over a as sab, sum(s_void_abs) over a as svab,
        sum(p_gross) over a as pg, sum(p_orders) over a as po, sum(p_n) over a as pn, sum(p_void) over a as pv,
        count(*) filter (n_valid > 0) over a as act, min(first_d) over a as fd, max(last_d) over a as ld,
        sum(c_ss) over a as css, sum(c_new) over a as cn, max(c_top) over a as ct, sum(c_g) over a as cg,
        sum(p_ss) over a as pss, sum(p_new) over a as pnew, max(p_top) over a as ptop, sum(p_g) over a as pgc,
        count(*) over y as ny, sum(s_net) over y as sy, sum(p_net) over y as py, avg(s_net) over y as my,
        stddev_pop(s_net) over y as sdy, regr_slope(s_net, k) over y as slope,
        sum(s_net) over q as sq, sum(p_net) over q as pq, sum(s_orders) over q as oq, sum(s_orders) over pq3 as opq,
        sum(s_void + p_void) over q as vq, sum(s_n + p_n) over q as nq, s_net as s1,
        count(*) over pq3 as npq, sum(s_net) over pq3 as spq,
        count(*) over py12 as npy, sum(s_net) over py12 as spy, sum(p_net) over py12 as ppy
    from em
    window a as (partition by enterprise_id order by month rows unbounded preceding),
           y as (partition by enterprise_id order by month rows 11 preceding),
           q as (partition by enterprise_id order by month rows 2 preceding),
           pq3 as (partition by enterprise_id order by month rows between 5 preceding and 3 preceding),
           py12 as (partition by enterprise_id order by month rows between 14 preceding and 3 preceding)
)
select enterprise_id, as_of_date,
    fd as first_invoice_date, ld as last_invoice_date, date_diff('day', fd, ld) + 1 as active_span_days,
    act as active_months, date_diff('month', date_trunc('month', ld)::date, as_of_date) - 1 as months_since_last_invoice,
    ns as net_sales, np as net_purchases, ns - np as gross_profit, (ns - np) / nullif(ns, 0) as gross_margin,
    ns / nullif(date_diff('day', fd, ld) + 1, 0) as avg_daily_sales, np / nullif(date_diff('day', fd, ld) + 1, 0) as avg_daily_cost,
    365 * ((ns - np) / nullif(date_diff('day', fd, ld) + 1, 0)) as annual_avg_gross_profit,
    (ns - np) / nullif(np, 0) as cost_gross_margin, (ns - np - greatest(st - pt, 0)) / nullif(ns, 0) as net_sales_margin,
    so as order_count, so / nullif(act, 0) as orders_per_active_month, (sn - sv) / nullif(sn, 0) as transaction_efficiency,
    sy as sales_last_12m, py as purchases_last_12m,
    case when ny >= 6 and my > 0 then slope / my end as sales_growth_12m,
    case when ny >= 6 and my > 0 then sdy / my end as sales_volatility_12m,
    case when npy = 12 then (round(sq, 2) / 3) / nullif(round(spy, 2) / 12, 0) end as sales_slowdown_ratio,
    case when npq = 3 then round(sq, 2) / nullif(round(spq, 2), 0) end as sales_change_3m,
    case when ny >= 6 and my > 0 then round(s1, 2) / my end as sales_last_month_ratio,
    case when npy = 12 then (round(pq, 2) / 3) / nullif(round(ppy, 2) / 12, 0) end as purchase_slowdown_ratio,
    case when npq = 3 then oq / nullif(opq, 0) end as orders_change_3m,
    vq / nullif(nq, 0) as void_ratio_3m,
    case when ny >= 6 then round(sq - pq, 2) / nullif(round(sq, 2), 0) - round(sy - py, 2) / nullif(round(sy, 2), 0) end as gross_margin_change_3m,
    (sv + pv) / nullif(sn + pn, 0) as void_ratio_count, svab / nullif(sab, 0) as void_ratio_amount,
    srn / nullif(so + srn, 0) as red_letter_ratio_count, sra / nullif(sg, 0) as red_letter_ratio_amount,
    cn as distinct_customers, pnew as distinct_suppliers,
    cap(css / nullif(cg * cg, 0)) as customer_hhi, cap(pss / nullif(pgc * pgc, 0)) as supplier_hhi,
    cap(ct / nullif(cg, 0)) as top_customer_share, cap(ptop / nullif(pgc, 0)) as top_supplier_share,
    sg / nullif(so, 0) as avg_sales_invoice_amount, pg / nullif(po, 0) as avg_purchase_invoice_amount,
    st / nullif(ns, 0) as sales_tax_rate, (st - pt) / nullif(ns, 0) as vat_burden
from r;

-- the panel: every usable enterprise at every reporting as-of date, with its industry-relative signals
create temp table floor_indicators as
with dates as (
    select as_of_date from (
        select unnest(generate_series(first_any_month + interval 1 month, final_as_of, interval 1 month))::date as as_of_date,
               (run_start + interval 12 month)::date as panel_start, final_as_of
        from cal)
    where as_of_date = final_as_of
       or (as_of_date >= panel_start and date_diff('month', panel_start, as_of_date) % $step_months = 0)
)
select ent.enterprise_id, dates.as_of_date, ip.* exclude (enterprise_id, as_of_date),
    ip.sales_change_3m - median(ip.sales_change_3m) over d as sales_change_3m_vs_industry,
    ip.sales_slowdown_ratio - median(ip.sales_slowdown_ratio) over d as sales_slowdown_ratio_vs_industry,
    ip.sales_last_month_ratio - median(ip.sales_last_month_ratio) over d as sales_last_month_ratio_vs_industry
from ent cross join dates
left join ip on ip.enterprise_id = ent.enterprise_id and ip.as_of_date = dates.as_of_date
window d as (partition by dates.as_of_date, ent.industry);

copy floor_indicators to '$out' (format parquet);
