from compressbench import paths
from compressbench.analysis import analyze, load_coursework, serve, write_findings
from compressbench.analysis.claims import load_claims
from compressbench.logs import logged
from compressbench.results import load_results
from compressbench.tables import read_yaml

with logged(snakemake.log[0]):
    inputs = snakemake.input
    claims = load_claims(inputs.claims, read_yaml(inputs.bibliography))
    root = paths.root_of(inputs.records, paths.SUMMARY_JSON)
    results = load_results(root)
    served = serve.read(snakemake.params.served, root)
    findings = analyze(results, load_coursework(inputs.coursework), claims, served)
    write_findings(findings, snakemake.output.findings)
    print(f"{len(findings)} findings")
