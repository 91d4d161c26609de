from compressbench.analysis import write_findings
from compressbench.analysis.study import analyze_study, seed_spread_rows
from compressbench.logs import logged
from compressbench.results import read_study
from compressbench.tables import write_tsv

with logged(snakemake.log[0]):
    findings = analyze_study(read_study(snakemake.input.study))
    write_findings(findings, snakemake.output.findings)
    spread = seed_spread_rows(findings.body("study.points").items)
    write_tsv(spread, snakemake.output.seed_spread)
    for finding in findings:
        print(f"{finding.id}: {finding.outcome}: {finding.statement}")
