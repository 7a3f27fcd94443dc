/*
 * footprint.c -- measure inference code by compiling it (see footprint.h).
 */
#include "footprint.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host.h"
#include "rmtree.h"
#include "subproc.h"

#define FP_PATH_MAX 4096

/* The name of the probe array whose size is sizeof(<name>_work). */
#define FP_PROBE "cnngen_info_sizeof_work"

/* ================================================================ */
/* ELF                                                              */
/* ================================================================ */

/* Bytes [off, off + n) lie inside an object of len bytes. */
static int fp_in(size_t len, unsigned long long off, unsigned long long n)
{
    return off <= len && n <= len - off;
}

static int fp_host_le(void)
{
    const unsigned one = 1;
    return *(const unsigned char *)&one == 1;
}

/* One section header, in a form common to ELF32 and ELF64. */
typedef struct fp_shdr {
    unsigned long long name, type, flags, offset, size, link, entsize;
} fp_shdr;

static void fp_get_shdr(const unsigned char *p, int is64, fp_shdr *s)
{
    if (is64) {
        Elf64_Shdr h;
        memcpy(&h, p, sizeof h);
        s->name = h.sh_name, s->type = h.sh_type, s->flags = h.sh_flags, s->offset = h.sh_offset;
        s->size = h.sh_size, s->link = h.sh_link, s->entsize = h.sh_entsize;
    } else {
        Elf32_Shdr h;
        memcpy(&h, p, sizeof h);
        s->name = h.sh_name, s->type = h.sh_type, s->flags = h.sh_flags, s->offset = h.sh_offset;
        s->size = h.sh_size, s->link = h.sh_link, s->entsize = h.sh_entsize;
    }
}

/* The NUL-terminated string at strtab section s + off, or "" when outside. */
static const char *fp_str(const unsigned char *obj, size_t len, const fp_shdr *s, unsigned long long off)
{
    const unsigned char *p, *end;
    if (!fp_in(len, s->offset, s->size) || off >= s->size) return "";
    p = obj + s->offset + off;
    end = obj + s->offset + s->size;
    return memchr(p, '\0', (size_t)(end - p)) ? (const char *)p : "";
}

static const char *fp_machine(unsigned m)
{
    switch (m) {
    case EM_X86_64: return "x86-64";
    case EM_386: return "i386";
    case EM_AARCH64: return "aarch64";
    case EM_ARM: return "arm";
    case 243: return "riscv";           /* EM_RISCV */
    case EM_PPC64: return "ppc64";
    case EM_PPC: return "ppc";
    case EM_S390: return "s390";
    case EM_MIPS: return "mips";
    default: return NULL;
    }
}

int footprint_elf(const unsigned char *obj, size_t len, const char *sym, size_t *text,
                  size_t *rodata, int *has_sym, size_t *sym_size, char *machine, size_t mlen,
                  char *why, size_t whylen)
{
    int is64;
    unsigned long long shoff, shnum, shstrndx, shentsize, i;
    unsigned machine_id;
    fp_shdr strs, s;
    *text = *rodata = 0;
    *has_sym = 0;
    *sym_size = 0;
    if (len < EI_NIDENT || memcmp(obj, ELFMAG, SELFMAG) != 0) {
        snprintf(why, whylen, "the object is not ELF");
        return -1;
    }
    if (obj[EI_CLASS] != ELFCLASS64 && obj[EI_CLASS] != ELFCLASS32) {
        snprintf(why, whylen, "unknown ELF class %d", obj[EI_CLASS]);
        return -1;
    }
    if (obj[EI_DATA] != (fp_host_le() ? ELFDATA2LSB : ELFDATA2MSB)) {
        snprintf(why, whylen, "the object's byte order is not this machine's");
        return -1;
    }
    is64 = obj[EI_CLASS] == ELFCLASS64;
    if (is64) {
        Elf64_Ehdr e;
        if (len < sizeof e) goto truncated;
        memcpy(&e, obj, sizeof e);
        shoff = e.e_shoff, shnum = e.e_shnum, shstrndx = e.e_shstrndx, shentsize = e.e_shentsize;
        machine_id = e.e_machine;
    } else {
        Elf32_Ehdr e;
        if (len < sizeof e) goto truncated;
        memcpy(&e, obj, sizeof e);
        shoff = e.e_shoff, shnum = e.e_shnum, shstrndx = e.e_shstrndx, shentsize = e.e_shentsize;
        machine_id = e.e_machine;
    }
    if (shentsize < (is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr)) || !fp_in(len, shoff, shentsize))
        goto truncated;
    /* more than SHN_LORESERVE sections: the real counts are in section 0 */
    fp_get_shdr(obj + shoff, is64, &s);
    if (shnum == 0) shnum = s.size;
    if (shstrndx == SHN_XINDEX) shstrndx = s.link;
    if (shnum > len / shentsize || !fp_in(len, shoff, shnum * shentsize) || shstrndx >= shnum)
        goto truncated;
    fp_get_shdr(obj + shoff + shstrndx * shentsize, is64, &strs);
    if (fp_machine(machine_id)) snprintf(machine, mlen, "%s", fp_machine(machine_id));
    else snprintf(machine, mlen, "ELF machine %u", machine_id);

    for (i = 0; i < shnum; ++i) {
        const char *nm;
        fp_get_shdr(obj + shoff + i * shentsize, is64, &s);
        nm = fp_str(obj, len, &strs, s.name);
        if (s.flags & SHF_ALLOC) {
            if (s.flags & SHF_EXECINSTR)
                *text += (size_t)s.size;
            else if (!(s.flags & SHF_WRITE) && s.type != SHT_NOBITS && s.type != SHT_NOTE
                     && strncmp(nm, ".eh_frame", 9) != 0 && strncmp(nm, ".ARM.ex", 7) != 0)
                *rodata += (size_t)s.size;
        }
        if (sym && s.type == SHT_SYMTAB && s.link < shnum) {
            fp_shdr names;
            unsigned long long esz = is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym), k;
            fp_get_shdr(obj + shoff + s.link * shentsize, is64, &names);
            if (s.entsize >= esz && fp_in(len, s.offset, s.size)) {
                for (k = 0; k + s.entsize <= s.size; k += s.entsize) {
                    unsigned long long nmoff, size;
                    if (is64) {
                        Elf64_Sym y;
                        memcpy(&y, obj + s.offset + k, sizeof y);
                        nmoff = y.st_name, size = y.st_size;
                    } else {
                        Elf32_Sym y;
                        memcpy(&y, obj + s.offset + k, sizeof y);
                        nmoff = y.st_name, size = y.st_size;
                    }
                    if (nmoff && !strcmp(fp_str(obj, len, &names, nmoff), sym)) {
                        *has_sym = 1;
                        *sym_size = (size_t)size;
                    }
                }
            }
        }
    }
    return 0;
truncated:
    snprintf(why, whylen, "the object is truncated or malformed");
    return -1;
}

/* ================================================================ */
/* The stack (.su files)                                            */
/* ================================================================ */

int footprint_stack(const char *name, const char *su, footprint *fp)
{
    char fwd[160], pred[160], pass[160], deep[160];
    long f = -1, p = -1, pass_b = -1, deep_b = -1;
    int dynamic = 0;
    const char *line = su;
    snprintf(fwd, sizeof fwd, "%s_forward", name);
    snprintf(pred, sizeof pred, "%s_predict", name);
    snprintf(pass, sizeof pass, "%s_forward_pass", name);
    deep[0] = '\0';
    while (line && *line) {
        const char *end = strchr(line, '\n'), *tab = strchr(line, '\t'), *fn, *q;
        char fname[160];
        long bytes;
        char *after;
        if (!end) end = line + strlen(line);
        if (tab && tab < end) {
            /* "file:line[:col]:function<TAB>bytes<TAB>static|dynamic[,bounded]" */
            for (fn = tab; fn > line && fn[-1] != ':'; --fn)
                ;
            snprintf(fname, sizeof fname, "%.*s", (int)(tab - fn), fn);
            bytes = strtol(tab + 1, &after, 10);
            q = after;
            while (q < end && (*q == '\t' || *q == ' ')) ++q;
            if (after != tab + 1 && bytes >= 0) {
                int dyn = !strncmp(q, "dynamic", 7) && strncmp(q, "dynamic,bounded", 15) != 0;
                if (!strcmp(fname, fwd)) f = bytes, dynamic |= dyn;
                else if (!strcmp(fname, pred)) p = bytes, dynamic |= dyn;
                else if (!strcmp(fname, pass)) pass_b = bytes, dynamic |= dyn;
                else {
                    dynamic |= dyn;
                    if (bytes > deep_b) {
                        deep_b = bytes;
                        snprintf(deep, sizeof deep, "%s", fname);
                    }
                }
            }
        }
        line = *end ? end + 1 : end;
    }
    if (f < 0 && p < 0) return -1;
    {
        const char *entry = f >= p ? fwd : pred;
        long e = f >= p ? f : p;
        size_t n;
        fp->stack_bytes = (size_t)e;
        n = (size_t)snprintf(fp->stack_chain, sizeof fp->stack_chain, "%s %ld", entry, e);
        if (pass_b >= 0 && n < sizeof fp->stack_chain) {
            fp->stack_bytes += (size_t)pass_b;
            n += (size_t)snprintf(fp->stack_chain + n, sizeof fp->stack_chain - n, " + %s %ld", pass, pass_b);
        }
        if (deep_b >= 0 && n < sizeof fp->stack_chain) {
            fp->stack_bytes += (size_t)deep_b;
            snprintf(fp->stack_chain + n, sizeof fp->stack_chain - n, " + %s %ld", deep, deep_b);
        }
    }
    fp->has_stack = 1;
    fp->stack_bounded = !dynamic;
    return 0;
}

/* ================================================================ */
/* Compiling                                                        */
/* ================================================================ */

static int fp_write(const char *path, const char *a, size_t alen, const char *b, size_t blen)
{
    FILE *f = fopen(path, "wb");
    int ok;
    if (!f) return -1;
    ok = fwrite(a, 1, alen, f) == alen && (!blen || fwrite(b, 1, blen, f) == blen);
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* Run `cd dir && $CC flags -c src -o obj` through sh (subproc.h), the
 * line of its output to report in line[0..len).  Returns the exit status
 * (127: cannot run), or -1. */
static int fp_compile(const char *cc, const char *flags, const char *dir, const char *src,
                      const char *obj, char *line, size_t len)
{
    char cmd[1024], text[8192];
    char *argv[8];
    int status;
    line[0] = '\0';
    if ((size_t)snprintf(cmd, sizeof cmd, "cd \"$1\" && exec %s %s -c \"$2\" -o \"$3\"", cc, flags) >= sizeof cmd)
        return -1;
    argv[0] = "/bin/sh", argv[1] = "-c", argv[2] = cmd, argv[3] = "sh";
    argv[4] = (char *)dir, argv[5] = (char *)src, argv[6] = (char *)obj, argv[7] = NULL;
    if (subproc_run(argv, dir, NULL, &status, text, sizeof text) != SUBPROC_OK)
        return -1;
    if (text[0])
        subproc_pick_line(text, line, len);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* dir + "/" + name into out[0..FP_PATH_MAX); -1 when it does not fit. */
static int fp_join(char *out, const char *dir, const char *name)
{
    int n = snprintf(out, FP_PATH_MAX, "%s/%s", dir, name);
    return n < 0 || n >= FP_PATH_MAX ? -1 : 0;
}

void footprint_measure(const char *name, const char *c, size_t clen, const char *h, size_t hlen,
                       const char *header_name, footprint *fp)
{
    const char *cc = getenv("CC"), *tmp = getenv("TMPDIR");
    char dir[FP_PATH_MAX], src[FP_PATH_MAX], hdr[FP_PATH_MAX], obj[FP_PATH_MAX];
    char probe[600], line[400];
    const char *srcname = "footprint.c", *objname = "footprint.o";
    unsigned char *bytes;
    char *su;
    size_t n;
    int st;

    memset(fp, 0, sizeof *fp);
    if (!cc || !*cc) cc = "cc";
    if (!tmp || !*tmp) tmp = "/tmp";
    snprintf(fp->cc, sizeof fp->cc, "%s -O2", cc);
    snprintf(dir, sizeof dir, "%s/cnngen-info-XXXXXX", tmp);
    if (!mkdtemp(dir)) {
        snprintf(fp->why, sizeof fp->why, "cannot create a temporary directory in %s: %s", tmp, strerror(errno));
        return;
    }
    if (fp_join(src, dir, srcname) || fp_join(hdr, dir, header_name) || fp_join(obj, dir, objname)) {
        snprintf(fp->why, sizeof fp->why, "the temporary directory's name is too long");
        goto done;
    }
    snprintf(probe, sizeof probe,
             "\n/* cnngen info: sizeof the work struct, read from the object's symbol table */\n"
             "char " FP_PROBE "[sizeof(%s_work)];\n", name);
    if (fp_write(hdr, h, hlen, NULL, 0) != 0 || fp_write(src, c, clen, probe, strlen(probe)) != 0) {
        snprintf(fp->why, sizeof fp->why, "cannot write the code to a temporary directory: %s", strerror(errno));
        goto done;
    }
    st = fp_compile(cc, "-O2 -fstack-usage", dir, srcname, objname, line, sizeof line);
    if (st != 0 && st != 127) {
        /* a compiler without -fstack-usage (tcc, old clang): sizes only */
        st = fp_compile(cc, "-O2", dir, srcname, objname, line, sizeof line);
        snprintf(fp->stack_why, sizeof fp->stack_why, "%s has no -fstack-usage", cc);
    }
    if (st != 0) {
        if (st == 127 || st < 0)
            snprintf(fp->why, sizeof fp->why, "cannot run the C compiler '%s' (set CC)%s%s", cc,
                     line[0] ? ": " : "", line);
        else
            snprintf(fp->why, sizeof fp->why, "'%s -O2' failed: %s", cc, line);
        goto done;
    }
    bytes = (unsigned char *)host_read_file(obj, &n);
    if (!bytes) {
        snprintf(fp->why, sizeof fp->why, "%s wrote no object: %s", cc, strerror(errno));
        goto done;
    }
    if (footprint_elf(bytes, n, FP_PROBE, &fp->text_bytes, &fp->rodata_bytes, &fp->has_work,
                      &fp->work_bytes, fp->machine, sizeof fp->machine, fp->why, sizeof fp->why) == 0)
        fp->compiled = 1;
    free(bytes);
    if (!fp->compiled) goto done;
    su = fp_join(obj, dir, "footprint.su") == 0 ? host_read_file(obj, &n) : NULL;
    if (su) {
        if (footprint_stack(name, su, fp) != 0)
            snprintf(fp->stack_why, sizeof fp->stack_why, "%s_forward is not in the stack-usage file", name);
        free(su);
    } else if (!fp->stack_why[0]) {
        snprintf(fp->stack_why, sizeof fp->stack_why, "%s wrote no stack-usage file", cc);
    }
done:
    rm_tree(dir);
}
