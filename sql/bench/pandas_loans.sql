-- Benchmark variant c (pandas): the loans rows it reads for one quarter.
select *
from warehouse.loan_balances
where quarter in ($quarter, $previous_quarter, $year_ago_quarter)
