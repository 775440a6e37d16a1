"""Automation: a sensor on the landing folder and the quarterly reporting schedule."""

import dagster as dg

from pipelines.automation import quarterly_cron, reported_quarter, scan_landing
from pipelines.contracts import SOURCES, contract
from pipelines.env import IN_PROCESS, TIMEZONE, workdir_from_env
from pipelines.resources import IntakeSettings

# A file modified more recently than this may still be uploading; a later tick takes it.
SETTLE_SECONDS = 10.0

# One job per source: its intake → staging → warehouse chain and everything downstream of it,
# so a resubmission rebuilds only that source and what depends on it.
source_jobs = {
    source: dg.define_asset_job(
        f"refresh_{source}",
        selection=dg.AssetSelection.assets(dg.AssetKey(["intake", source])).downstream(),
        config=IN_PROCESS,
        description=f"{contract(source).title}有新版本时：归档、校验、入库及其全部下游。",
    )
    for source in SOURCES
}

quarterly_reporting_job = dg.define_asset_job(
    "quarterly_reporting",
    selection=dg.AssetSelection.groups("indicators", "scoring", "reports"),
    config=IN_PROCESS,
    description="上一季度的指标、评分排名、季通报与数据表。",
)


@dg.sensor(
    jobs=list(source_jobs.values()),
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="监视落地目录：新文件或内容变化的文件触发该数据源该季度的运行；相同内容重传不触发。",
)
def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    workdir = workdir_from_env()
    scan = scan_landing(
        workdir.landing, context.cursor, workdir.archive, settle_seconds=SETTLE_SECONDS
    )
    for message in scan.misplaced:
        context.log.warning(f"跳过放错位置的文件：{message}")
    requests = [
        dg.RunRequest(
            run_key=f"{change.source}:{change.quarter}:{change.submission_hash}",
            job_name=source_jobs[change.source].name,
            partition_key=change.quarter.partition_key,
            tags={"bizenv/source": change.source, "bizenv/file": change.path.name[:63]},
        )
        for change in scan.changes
    ]
    return dg.SensorResult(run_requests=requests, cursor=scan.cursor)


def build_reporting_schedule(settings: IntakeSettings) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="quarterly_reporting_schedule",
        cron_schedule=quarterly_cron(settings.report_day_after_quarter, settings.report_hour),
        execution_timezone=TIMEZONE,
        job=quarterly_reporting_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="每季度结束后第 N 天 08:00（上海时间）生成上一季度的评分、季通报与数据表。",
    )
    def reporting_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        quarter = reported_quarter(context.scheduled_execution_time)
        return dg.RunRequest(run_key=str(quarter), partition_key=quarter.partition_key)

    return reporting_schedule


reporting_schedule = build_reporting_schedule(IntakeSettings.from_config())

defs = dg.Definitions(
    jobs=[*source_jobs.values(), quarterly_reporting_job],
    sensors=[landing_sensor],
    schedules=[reporting_schedule],
)
