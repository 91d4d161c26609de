import numpy as np

from compressbench.logs import logged
from compressbench.parity import check_parity
from compressbench.tables import write_tsv

with logged(snakemake.log[0]):
    row = check_parity(
        snakemake.wildcards.target,
        np.load(snakemake.input.reference),
        np.load(snakemake.input.logits),
        snakemake.params.threshold,
    )
    write_tsv([row], snakemake.output.parity)
    print(row)
