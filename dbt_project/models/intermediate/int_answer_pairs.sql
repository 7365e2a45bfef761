-- The first half of the answer model on Spark: every candidate pair (question, later message)
-- with its signals and its score without the helper signal (`base_score`); the SQL is the macro
-- answer_pair_ctes (macros/answer_pairs.sql), which int_questions_answered inlines on DuckDB. A table
-- of its own on Spark, so that Spark computes the pairs once: Spark inlines every CTE into each
-- place that reads it, and the assignment reads the pairs through several paths (the plan of the
-- one-model version took 70 s to analyse and optimise on 1,648 messages).
-- Tagged spark_only: `classchat build --engine spark` does not copy it into the DuckDB warehouse.
{{ config(materialized='table', enabled=target.type == 'spark', tags=['spark_only']) }}

with {{ answer_inputs() }},

{{ answer_pair_ctes() }}

select * from scored
