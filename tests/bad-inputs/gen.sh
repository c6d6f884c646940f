#!/usr/bin/env bash
# gen.sh GRS OUTDIR -- write the bad-input catalogue's inputs (OUTDIR/in/) and the good fixtures
# they are run against (OUTDIR/fx/). Deterministic; everything is made here (the large cases --
# a 1 MB allele, 10^6 columns, 10^6 samples -- at test time), so nothing big is committed.
# Needs bgzip; plink2 (for the .bed fixture) and Debian's /usr/bin/python3 (to patch .grsm
# headers with valid CRCs) are optional: the cases that need them are skipped without them.
set -eu
GRS=${1:?usage: gen.sh GRS OUTDIR}
W=${2:?usage: gen.sh GRS OUTDIR}
I=$W/in; F=$W/fx
mkdir -p "$I" "$F"
T=$'\t'

# ---- fixtures: 60 samples x 6 variants on chr1 (>= 50 samples: mean imputation allowed) ----
{
    printf '##fileformat=VCFv4.2\n##contig=<ID=1,length=1000000>\n'
    printf '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    printf '##FORMAT=<ID=DS,Number=A,Type=Float,Description="Dosage">\n'
    printf '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT'
    for s in $(seq 1 60); do printf '\tS%d' "$s"; done; printf '\n'
    for v in 1 2 3 4 5 6; do
        printf '1\t%d\trs%d\t%s\t%s\t.\tPASS\t.\tGT:DS' $((v * 100)) "$v" "$(echo ACGTAC | cut -c$v)" "$(echo GTACGT | cut -c$v)"
        for s in $(seq 1 60); do
            case $(( (s * 7 + v * 3) % 5 )) in
                0) printf '\t0/0:0';; 1) printf '\t0/1:1';; 2) printf '\t1/1:2';; 3) printf '\t0|1:1';; 4) printf '\t./.:.';;
            esac
        done; printf '\n'
    done
} > "$F/good.vcf"
bgzip -c "$F/good.vcf" > "$F/good.vcf.gz"
"$GRS" pack --vcf "$F/good.vcf" --dosage GT --out "$F/good" -v 0
hdr="chr_name${T}chr_position${T}effect_allele${T}other_allele${T}effect_weight"
printf '%s\n1\t100\tG\tA\t0.5\n1\t200\tT\tC\t-0.25\n1\t300\tA\tG\t0.1\n' "$hdr" > "$F/good.txt"
printf '#CHROM\tID\tREF\tALT\tPROVISIONAL_REF?\tALT_FREQS\tOBS_CT\n1\trs1\tA\tG\tY\t0.3\t120\n' > "$F/good.afreq"
if command -v plink2 >/dev/null; then
    plink2 --vcf "$F/good.vcf" --make-bed --out "$F/good" >/dev/null 2>&1 || rm -f "$F/good.bed"
fi

# ---- scoring files (format: score) ----
S=$I/sf; mkdir -p "$S"
: > "$S/empty.txt"
printf '#pgs_id=PGS1\n#genome_build=GRCh37\n' > "$S/header_only.txt"
printf '%s\n' "$hdr" > "$S/columns_only.txt"
printf 'chr_name\tchr_position\tother_allele\teffect_weight\n1\t100\tA\t0.5\n' > "$S/no_effect_allele.txt"
printf 'chr_name\tchr_position\teffect_allele\tother_allele\n1\t100\tG\tA\n' > "$S/no_weight.txt"
for w in nan inf -inf abc 1e400 0x; do printf '%s\n1\t100\tG\tA\t%s\n' "$hdr" "$w" > "$S/weight_$w.txt"; done
printf '%s\n1\t100\tG\tA\t\n' "$hdr" > "$S/weight_empty.txt"
printf '%s\n1\t100\tG\tA\t0.5\n1\t200\tT\tC\n' "$hdr" > "$S/short_line.txt"
printf '%s\n1\t100\tG\tA\t0.5\textra\n' "$hdr" > "$S/long_line.txt"
printf '%s\n1\t100\t\tA\t0.5\n' "$hdr" > "$S/empty_effect_allele.txt"
printf '%s\n1\tabc\tG\tA\t0.5\n' "$hdr" > "$S/pos_text.txt"
printf '%s\n1\t-5\tG\tA\t0.5\n' "$hdr" > "$S/pos_negative.txt"
printf '%s\n1\t99999999999999999999999\tG\tA\t0.5\n' "$hdr" > "$S/pos_overflow.txt"
printf '%s\tis_dominant\tis_recessive\n1\t100\tG\tA\t0.5\tTrue\tTrue\n' "$hdr" > "$S/dom_and_rec.txt"
printf '%s\tis_dominant\n1\t100\tG\tA\t0.5\tmaybe\n' "$hdr" > "$S/bad_flag.txt"
printf 'chr_name\tchr_position\teffect_allele\tOR\n1\t100\tG\t-1\n' > "$S/or_negative.txt"
printf 'chr_name\tchr_position\teffect_allele\tOR\n1\t100\tG\t0\n' > "$S/or_zero.txt"
printf '%s\n1\t100\tG\tA\t0.5\n1\t100\tG\tA\t0.7\n' "$hdr" > "$S/duplicate_rows.txt"
awk 'BEGIN { srand(42); for (i = 0; i < 3000; i++) printf "%c", int(rand() * 256) }' > "$S/garbage.txt"
printf 'chr_name chr_position effect_allele other_allele effect_weight\n1 100 G A 0.5\n' > "$S/spaces.txt"
printf 'chr_name,chr_position,effect_allele,other_allele,effect_weight\n1,100,G,A,0.5\n' > "$S/commas.txt"
{ printf '%s\n1\t100\tG\tA\t0.5\n1\t200\t' "$hdr"; head -c 1048576 /dev/zero | tr '\0' 'A'; printf '\tC\t0.3\n1\t300\tA\tG\t0.1\n'; } > "$S/allele_1mb.txt"
{ printf '%s\n1\t100\tG\tA' "$hdr"; awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "\t0.5"; printf "\n" }'; } > "$S/columns_1m.txt"
{ printf '%s\n' "$hdr"; awk 'BEGIN { printf "1\t100\tG\tA\t0.5"; for (i = 0; i < 1000000; i++) printf "\tx"; printf "\n" }'; } > "$S/row_1m_fields.txt"
{ cat "$F/good.txt"; for i in $(seq 1 2000); do printf '1\t%d\tA\tC\t0.1\n' $((1000 + i)); done; } | gzip -c > "$S/full.txt.gz"
head -c $(( $(stat -c %s "$S/full.txt.gz") / 2 )) "$S/full.txt.gz" > "$S/truncated.txt.gz"
{ printf '\x1f\x8b\x08\x00\x00\x00\x00\x00'; head -c 500 "$S/garbage.txt"; } > "$S/gz_garbage.txt.gz"
printf '%s\n1\t100\tG\tA\t0.5\n1\t200\tT\tC\t0\x00.25\n' "$hdr" > "$S/nul_byte.txt"
printf 'ID A1 SCORE\nrs1 G nan\n' > "$S/plink_nan.txt"
printf 'ID A1 SCORE\nrs1 G 0.5\nrs2 T\n' > "$S/plink_short.txt"
printf 'ID\n' > "$S/plink_one_column.txt"
# deliberately accepted
printf '\xef\xbb\xbf%s\r\n1\t100\tG\tA\t0.5\r\n1\t200\tT\tC\t-0.25\r\n' "$hdr" > "$S/ok_bom_crlf.txt"
printf '%s\nchr1\t100\tG\tA\t0.5\nchr1\t200\tT\tC\t-0.25\n' "$hdr" > "$S/ok_chr_prefix.txt"
printf '%s\n1\t100\tG\tA\t0.5\n1\t200\tT\tC\t-0.25' "$hdr" > "$S/ok_no_final_newline.txt"
printf '%s\n1\t100\tg\ta\t0.5\n1\t200\tt\tc\t-0.25\n' "$hdr" > "$S/ok_lower_case.txt"

# ---- .grsm (format: grsm): corruptions of the good matrix ----
G=$I/grsm; mkdir -p "$G"
: > "$G/empty.grsm"
head -c 100 "$F/good.grsm" > "$G/short_header.grsm"
head -c $(( $(stat -c %s "$F/good.grsm") - 200 )) "$F/good.grsm" > "$G/truncated.grsm"
cp "$F/good.grsm" "$G/bad_magic.grsm"; printf 'XXXX' | dd of="$G/bad_magic.grsm" bs=1 conv=notrunc 2>/dev/null
cp "$F/good.grsm" "$G/header_crc.grsm"; printf '\x07' | dd of="$G/header_crc.grsm" bs=1 seek=25 conv=notrunc 2>/dev/null
cp "$F/good.grsm" "$G/matrix_crc.grsm"; printf '\x00\x00' | dd of="$G/matrix_crc.grsm" bs=1 seek=4096 conv=notrunc 2>/dev/null
cp "$F/good.txt" "$G/text.grsm"
awk 'BEGIN { srand(7); for (i = 0; i < 8192; i++) printf "%c", int(rand() * 256) }' > "$G/garbage.grsm"
mkdir -p "$G/dir.grsm"
if [ -x /usr/bin/python3 ]; then
    # patch header fields and rewrite the header CRC, so that the reader's later checks are reached
    /usr/bin/python3 - "$F/good.grsm" "$G" <<'PY'
import struct, sys, zlib
src, out = sys.argv[1], sys.argv[2]
good = bytearray(open(src, "rb").read())
H_SECT, H_CRC = 80, 80 + 24 * 8
def sect(b, i): return struct.unpack_from("<QQI", b, H_SECT + 24 * i)
def fix(b, sections=True):
    if sections:
        for i in range(7):
            off, ln, _ = sect(b, i)
            if off + ln <= len(b):
                struct.pack_into("<I", b, H_SECT + 24 * i + 16, zlib.crc32(bytes(b[off:off + ln])))
    struct.pack_into("<I", b, H_CRC, 0)
    struct.pack_into("<I", b, H_CRC, zlib.crc32(bytes(b[:4096])))
    return b
def case(name, edit, sections=True):
    b = bytearray(good); edit(b); open(out + "/" + name, "wb").write(fix(b, sections))
case("newer_version.grsm", lambda b: struct.pack_into("<I", b, 8, 2))
case("nsamples_negative.grsm", lambda b: struct.pack_into("<q", b, 24, -1))
case("nsamples_zero.grsm", lambda b: struct.pack_into("<q", b, 24, 0))
def huge(b):  # 2^40 samples x 2^40 variants: products overflow 64 bits
    struct.pack_into("<qqqqq", b, 24, 1 << 40, 1 << 40, ((1 << 40) + 3) // 4, 2 << 40, (1 << 40) // 8)
case("dims_overflow.grsm", huge)
def many_samples(b):  # 2^38 samples, no variants: the sample table cannot hold them
    n = 1 << 38
    struct.pack_into("<qqqqq", b, 24, n, 0, (n + 3) // 4, 2 * n, n // 8)
    for i in range(7): struct.pack_into("<Q", b, H_SECT + 24 * i + 8, 0 if i < 4 else sect(b, i)[1])
case("nsamples_huge.grsm", many_samples)
case("section_outside.grsm", lambda b: struct.pack_into("<Q", b, H_SECT + 24 * 4, 1 << 50))
case("section_len_huge.grsm", lambda b: struct.pack_into("<Q", b, H_SECT + 24 * 5 + 8, (1 << 64) - 8))
case("nvariants_off_by_one.grsm", lambda b: struct.pack_into("<q", b, 32, struct.unpack_from("<q", b, 32)[0] + 1))
def vstat(b):  # ALT frequency 7.5 in the first variant's statistics
    off = sect(b, 3)[0]; struct.pack_into("<d", b, off, 7.5)
case("vstat_freq.grsm", vstat)
def vstat_row(b):  # a dosage row index past the DOSAGE plane
    off = sect(b, 3)[0]; struct.pack_into("<II", b, off + 16, 5, 0xffffffff); struct.pack_into("<I", b, off + 24, 1)
case("vstat_row.grsm", vstat_row)
def vtable(b):  # a variant line with a non-numeric position
    off, ln, _ = sect(b, 4); t = bytes(b[off:off + ln]); i = t.index(b"\t") + 1
    b[off + i] = ord("x")
case("variant_pos.grsm", vtable)
def stable(b):  # a sample line with 2 fields (TAB -> space)
    off, ln, _ = sect(b, 5); t = bytes(b[off:off + ln]); i = t.rindex(b"\t")
    b[off + i] = ord(" ")
case("sample_fields.grsm", stable)
def meta(b):  # META line without a TAB
    off, ln, _ = sect(b, 6); t = bytes(b[off:off + ln]); i = t.index(b"\t")
    b[off + i] = ord(" ")
case("meta_line.grsm", meta)
PY
fi

# ---- VCF/BCF (format: vcf) ----
V=$I/vcf; mkdir -p "$V"
head_lines() { grep '^#' "$F/good.vcf"; }
rec1() { grep -v '^#' "$F/good.vcf" | head -1; }
: > "$V/empty.vcf"
printf '##fileformat=VCFv4.2\n' > "$V/no_chrom_line.vcf"
awk 'BEGIN { srand(11); for (i = 0; i < 4000; i++) printf "%c", int(rand() * 256) }' > "$V/garbage.vcf"
awk 'BEGIN { srand(3); OFS="\t" } /^#/ { print; next } { for (i = 1; i <= 3000; i++) { $2 = i; print } exit }' "$F/good.vcf" | bgzip -c > "$V/big.vcf.gz"
head -c $(( $(stat -c %s "$V/big.vcf.gz") / 2 )) "$V/big.vcf.gz" > "$V/truncated.vcf.gz"; rm "$V/big.vcf.gz"
{ head_lines; rec1 | awk 'BEGIN{OFS="\t"} {NF=NF-3; print}'; } > "$V/few_columns.vcf"
{ head_lines; rec1 | awk 'BEGIN{OFS="\t"} {print $0, "0/1:1", "1/1:2"}'; } > "$V/many_columns.vcf"
{ head_lines; rec1 | sed 's|\t0/1:1|\t0/x:1|'; } > "$V/bad_gt.vcf"
{ head_lines; rec1 | sed 's|\t0/1:1|\t0/5:1|'; } > "$V/allele_out_of_range.vcf"
{ head_lines; rec1 | sed 's|\t0/1:1|\t0/1:2.5|'; } > "$V/ds_above_ploidy.vcf"
{ head_lines; rec1 | sed 's|\t0/1:1|\t0/1:-0.5|'; } > "$V/ds_negative.vcf"
{ head_lines; rec1 | sed 's|\t0/1:1|\t0/1:nan|'; } > "$V/ds_nan.vcf"
{ grep '^##' "$F/good.vcf"; grep '^#CHROM' "$F/good.vcf" | sed 's/\tS2\t/\tS1\t/'; grep -v '^#' "$F/good.vcf"; } > "$V/duplicate_samples.vcf"
{ grep '^##' "$F/good.vcf"; grep '^#CHROM' "$F/good.vcf" | sed 's/\tS2\t/\t\t/'; grep -v '^#' "$F/good.vcf"; } > "$V/empty_sample_name.vcf"
{ head_lines; rec1 | awk 'BEGIN{OFS="\t"} {$2="abc"; print}'; } > "$V/pos_text.vcf"
grep '^##\|^#CHROM' "$F/good.vcf" | cut -f1-8 > "$V/sites_only.vcf"
{ grep '^##' "$F/good.vcf"; printf '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT'; \
  awk 'BEGIN { for (i = 0; i < 20000; i++) printf "\tS%d", i; printf "\n" }'; rec1 | cut -f1-12; } > "$V/samples_20k_short_record.vcf"
if command -v bcftools >/dev/null; then
    bcftools view -Ob -o "$V/good.bcf" "$F/good.vcf" 2>/dev/null
    head -c $(( $(stat -c %s "$V/good.bcf") - 40 )) "$V/good.bcf" > "$V/truncated.bcf"; rm -f "$V/good.bcf"
fi
{ head_lines; rec1 | awk 'BEGIN{OFS="\t"} {$2="55555555555555555555555150"; print}'; } > "$V/pos_overflow.vcf"
printf '@HD\tVN:1.6\n@SQ\tSN:1\tLN:1000\n' > "$V/sam_text.vcf"
# inputs that made a fuzz target fail once (tests/fuzz/RESULTS.md), kept as regression cases
mkdir -p "$I/fuzz"; cp "$(dirname "$0")"/fuzz-crashes/* "$I/fuzz/"

# ---- --absent-ref site lists (format: absentref): a cohort VCF (69 columns) as the list ----
mkdir -p "$I/absentref"; cp "$F/good.vcf" "$I/absentref/ok_cohort_vcf.vcf"

# ---- grs pack --bam (format: bam): a 300-bp FASTA and a one-read indexed BAM (needs samtools);
# the cases are sites files (in/bam/) ----
if command -v samtools >/dev/null; then
    seq=$(printf 'ACGTTGCAAC%.0s' $(seq 1 30))
    { printf '>1\n'; printf '%s\n' "$seq" | fold -w 60; } > "$F/ref.fa"
    { printf '@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:1\tLN:300\n@RG\tID:r\tSM:S1\n'
      printf 'q1\t0\t1\t91\t60\t20M\t*\t0\t0\t%s\t%s\tRG:Z:r\n' "${seq:90:20}" IIIIIIIIIIIIIIIIIIII; } > "$F/one.sam"
    if samtools view -b -o "$F/one.bam" "$F/one.sam" 2>/dev/null && samtools index "$F/one.bam" 2>/dev/null; then
        printf 'one.bam\n' > "$F/bam.list"
        mkdir -p "$I/bam"
        cp "$I/fuzz/bam_sites_cut_record.vcf" "$I/bam/"
    fi
fi
# deliberately accepted
{ head_lines; grep -v '^#' "$F/good.vcf" | sort -k2,2nr; } > "$V/ok_unsorted.vcf"
{ head_lines; grep -v '^#' "$F/good.vcf"; } | sed 's/$/\r/' > "$V/ok_crlf.vcf"
{ head_lines; rec1 | cut -f1-3 | tr '\n' '\t'; head -c 1048576 /dev/zero | tr '\0' 'A'; printf '\t'; rec1 | cut -f5-; } > "$V/ok_ref_1mb.vcf"
{ head_lines; rec1 | sed 's|\t0/1:1|\t0/1/1:1|'; } > "$V/ok_triploid.vcf"
{ head_lines; grep -v '^#' "$F/good.vcf" | sed 's/^1\t/chr1\t/'; } | sed 's/ID=1,/ID=chr1,/' > "$V/ok_chr_prefix.vcf"
cp "$F/good.vcf.gz" "$V/ok_unindexed.vcf.gz"

# ---- PLINK .bed/.bim/.fam (format: bed): one directory per case, prefix p ----
if [ -f "$F/good.bed" ]; then
    B=$I/bed
    mk() { mkdir -p "$B/$1"; cp "$F/good.bed" "$B/$1/p.bed"; cp "$F/good.bim" "$B/$1/p.bim"; cp "$F/good.fam" "$B/$1/p.fam"; }
    mk empty_bed; : > "$B/empty_bed/p.bed"
    mk bad_magic; printf '\x00\x00' | dd of="$B/bad_magic/p.bed" bs=1 conv=notrunc 2>/dev/null
    mk sample_major; printf '\x00' | dd of="$B/sample_major/p.bed" bs=1 seek=2 conv=notrunc 2>/dev/null
    mk truncated; head -c -3 "$F/good.bed" > "$B/truncated/p.bed"
    mk too_long; printf '\x00\x00' >> "$B/too_long/p.bed"
    mk empty_bim; : > "$B/empty_bim/p.bim"
    mk bim_fields; sed '2s/\t[^\t]*$//' "$F/good.bim" > "$B/bim_fields/p.bim"
    mk bim_pos; sed '2s/\t200\t/\tx200\t/' "$F/good.bim" > "$B/bim_pos/p.bim"
    mk bim_extra_line; { cat "$F/good.bim"; printf '1\trs99\t0\t9999\tA\tC\n'; } > "$B/bim_extra_line/p.bim"
    mk empty_fam; : > "$B/empty_fam/p.fam"
    mk fam_fields; sed '3s/ [^ ]*$//; 3s/\t[^\t]*$//' "$F/good.fam" > "$B/fam_fields/p.fam"
    mk fam_sex; sed '4s/^\([^\t ]*[\t ][^\t ]*[\t ][^\t ]*[\t ][^\t ]*[\t ]\)[^\t ]*/\1male/' "$F/good.fam" > "$B/fam_sex/p.fam"
    mk fam_duplicate; sed '2s/S2/S1/g' "$F/good.fam" > "$B/fam_duplicate/p.fam"
    mk no_fam; rm "$B/no_fam/p.fam"
    mk ok_crlf; sed -i 's/$/\r/' "$B/ok_crlf/p.bim" "$B/ok_crlf/p.fam"
    mk ok_chr_prefix; sed -i 's/^1\t/chr1\t/' "$B/ok_chr_prefix/p.bim"
fi

# ---- .afreq (format: afreq), for score --ref-freq ----
A=$I/afreq; mkdir -p "$A"
ah='#CHROM\tID\tREF\tALT\tPROVISIONAL_REF?\tALT_FREQS\tOBS_CT\n'
: > "$A/empty.afreq"
printf '1\trs1\tA\tG\tY\t0.3\t120\n' > "$A/no_header.afreq"
printf '#CHROM\tID\tREF\tALT\tOBS_CT\n1\trs1\tA\tG\t120\n' > "$A/no_freq_column.afreq"
printf "$ah"'1\trs1\tA\tG\tY\t1.5\t120\n' > "$A/freq_above_one.afreq"
printf "$ah"'1\trs1\tA\tG\tY\tnan\t120\n' > "$A/freq_nan.afreq"
printf "$ah"'1\trs1\tA\tG\tY\t0.1,0.2\t120\n' > "$A/freq_list.afreq"
printf "$ah"'1\trs1\tA\n' > "$A/short_line.afreq"
printf "$ah"'1\trs1\tA\tG\tY\t0.3\t120\r\n' | sed 's/$/\r/' > "$A/ok_crlf.afreq"

# ---- regions and sample lists (format: lists), for grs pack ----
L=$I/lists; mkdir -p "$L"
printf '1\tabc\n' > "$L/regions_pos.txt"
printf '1\t500\t100\n' > "$L/regions_reversed.txt"
: > "$L/samples_empty.txt"
printf 'S1\nNOPE\n' > "$L/samples_unknown.txt"
printf 'S1\nS1\n' > "$L/ok_samples_duplicate.txt"
echo "gen.sh: inputs in $I"
