"""In-sample goodness of fit of every task's logistic model (-2LL, Cox-Snell and Nagelkerke R2, Hosmer-Lemeshow).

Read from the fits of intermediate.int_pd_model_fits (no refitting)."""


def model(dbt, session):
    dbt.config(materialized="table")
    int_pd_model_fits = dbt.ref("int_pd_model_fits")

    from sme_credit.modeling import marts

    return marts.table_from_fits(int_pd_model_fits, "goodness_of_fit")
