"""Automation: a sensor on the landing folder and the quarterly reporting schedule."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.automation import (
    LandedChange,
    landed_quarters,
    quarterly_cron,
    reported_quarter,
    scan_landing,
)
from pipelines.contracts import contract
from pipelines.defs.automation.backfill import backfill_request
from pipelines.defs.keys import (
    ANNUAL_GROUP,
    ANNUAL_JOB,
    ANNUAL_REPORTING_SCHEDULE,
    DOWNSTREAM_GROUPS,
    QUARTERLY_REPORTING_JOB,
    QUARTERLY_REPORTING_SCHEDULE,
    intake_key,
    refresh_job,
    source_chain,
)
from pipelines.defs.resources import IntakeSettings
from pipelines.env import TIMEZONE, workdir_from_env
from pipelines.project import Project
from pipelines.quarters import Quarter, quarter_range

# A file modified more recently than this may still be uploading; a later tick takes it.
SETTLE_SECONDS = 10.0

# The annual evaluation is partitioned by year; quarterly jobs and sensors leave it out.
ANNUAL = dg.AssetSelection.groups(ANNUAL_GROUP)


def build_source_jobs(project: Project) -> dict[str, Any]:
    """One job per source: its intake → staging → warehouse chain and everything downstream
    of it, so a resubmission rebuilds only that source and what depends on it."""
    return {
        source: dg.define_asset_job(
            refresh_job(source),
            selection=dg.AssetSelection.assets(intake_key(source)).downstream() - ANNUAL,
            description=(
                f"{project.contract(source).title}有新版本时：归档、校验、入库及其全部下游。"
            ),
        )
        for source in project.source_ids
    }


quarterly_reporting_job = dg.define_asset_job(
    QUARTERLY_REPORTING_JOB,
    selection=dg.AssetSelection.groups(*DOWNSTREAM_GROUPS),
    description="上一季度的指标、评分排名、整改台账、季通报与数据表。",
)

annual_reporting_job = dg.define_asset_job(
    ANNUAL_JOB,
    selection=ANNUAL,
    description="上一年度的年度综合评价（年度排名、红黑榜、三挂钩等次）与年度报告、年度数据表。",
)


def correction_backfill(
    repository: dg.RepositoryDefinition, source: str, quarter: Quarter, latest: Quarter
) -> dg.RunRequest:
    """A correction to an earlier quarter: one backfill of the source's chain for that quarter
    and of everything downstream for that quarter and every later one. A backfill (not one run
    per quarter) so Dagster orders the quarters by their partition dependencies (rankings
    depend on the previous quarter's rankings) and stops at a failed contract check."""
    return backfill_request(
        repository,
        [
            (dg.AssetSelection.assets(*source_chain(source)), [quarter.partition_key]),
            (
                dg.AssetSelection.groups(*DOWNSTREAM_GROUPS),
                [q.partition_key for q in quarter_range(quarter, latest)],
            ),
        ],
        tags={"bizenv/source": source, "bizenv/correction": str(quarter)},
    )


def _scan(context: dg.SensorEvaluationContext) -> tuple[list[LandedChange], str, Quarter | None]:
    workdir = workdir_from_env()
    scan = scan_landing(
        workdir.landing, context.cursor, workdir.archive, settle_seconds=SETTLE_SECONDS
    )
    for message in scan.misplaced:
        context.log.warning(f"跳过放错位置的文件：{message}")
    return scan.changes, scan.cursor, max(landed_quarters(workdir.landing), default=None)


def build_sensors(
    source_jobs: dict[str, Any],
) -> list[dg.SensorDefinition]:
    """The landing sensor (latest quarter) and the correction sensor (earlier quarters)."""

    @dg.sensor(
        jobs=list(source_jobs.values()),
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "监视落地目录：最新季度的新文件或内容变化的文件触发该数据源该季度的运行"
            "（归档、校验、入库及其下游）；相同内容重传不触发；放错位置的文件记入日志并跳过。"
        ),
    )
    def landing_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        changes, cursor, latest = _scan(context)
        requests = [
            dg.RunRequest(
                run_key=change.run_key,
                job_name=source_jobs[change.source].name,
                partition_key=change.quarter.partition_key,
                tags={"bizenv/source": change.source, "bizenv/file": change.path.name[:63]},
            )
            for change in changes
            if latest is None or change.quarter >= latest
        ]
        return dg.SensorResult(run_requests=requests, cursor=cursor)

    @dg.sensor(
        asset_selection=dg.AssetSelection.all() - ANNUAL,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "监视落地目录中较早季度的更正文件：回填该数据源该季度，以及该季度和以后各季度的"
            "指标、评分排名与季通报（同比、环比、上季名次都读取较早季度）。"
        ),
    )
    def correction_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        changes, cursor, latest = _scan(context)
        requests = []
        for change in changes:
            if latest is None or change.quarter >= latest:
                continue  # landing_sensor's
            context.log.info(
                f"{change.quarter} {contract(change.source).title}更正：回填该季度及以后各季度的"
                "指标、评分与季通报"
            )
            if context.repository_def is None:
                raise dg.DagsterInvariantViolationError("correction_sensor needs its repository")
            requests.append(
                correction_backfill(context.repository_def, change.source, change.quarter, latest)
            )
        return dg.SensorResult(run_requests=requests, cursor=cursor)

    return [landing_sensor, correction_sensor]


def build_reporting_schedule(settings: IntakeSettings) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=QUARTERLY_REPORTING_SCHEDULE,
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


def build_annual_schedule(settings: IntakeSettings) -> dg.ScheduleDefinition:
    """January, the day after the fourth quarter's bulletin: the previous year's evaluation."""
    day = min(settings.report_day_after_quarter + 1, 28)

    @dg.schedule(
        name=ANNUAL_REPORTING_SCHEDULE,
        cron_schedule=f"0 {settings.report_hour} {day} 1 *",
        execution_timezone=TIMEZONE,
        job=annual_reporting_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="每年 1 月（第四季度季通报生成的次日）生成上一年度的年度综合评价与年度报告。",
    )
    def annual_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        year = reported_year(context.scheduled_execution_time)
        return dg.RunRequest(run_key=str(year), partition_key=str(year))

    return annual_schedule


def reported_year(when: datetime) -> int:
    """The year an annual run at ``when`` (Asia/Shanghai) evaluates: the previous one."""
    local = when.astimezone(ZoneInfo(TIMEZONE)) if when.tzinfo else when
    return local.year - 1


def build_automation_defs(project: Project) -> dg.Definitions:
    """Refresh jobs, the landing and correction sensors and the reporting schedule."""
    source_jobs = build_source_jobs(project)
    settings = IntakeSettings.from_project(project)
    return dg.Definitions(
        jobs=[*source_jobs.values(), quarterly_reporting_job, annual_reporting_job],
        sensors=build_sensors(source_jobs),
        schedules=[build_reporting_schedule(settings), build_annual_schedule(settings)],
    )
