"""Write a LaTeX file and compile it in the project (pdflatex if the project has it)."""

from __future__ import annotations

import asyncio

from _env import a_project, connect

DOC = r"""\documentclass{article}
\begin{document}
Hello from cocalc\_async: $e^{i\pi} + 1 = 0$.
\end{document}
"""


async def main() -> None:
    async with connect() as client:
        pid = await a_project(client)
        await client.v2.projects.write_text_file(
            project_id=pid, path="paper/hello.tex", content=DOC
        )
        job = await client.exec_job(
            pid,
            "if command -v pdflatex >/dev/null; then pdflatex -interaction=nonstopmode hello.tex"
            " >/dev/null && ls hello.pdf; else echo 'pdflatex not installed here'; fi",
            path="paper",
            exec_timeout=120,
            err_on_exit=False,
        )
        result = await job.wait(wait_timeout=180)
        print("latex:", result.stdout.strip(), "(exit code", result.exit_code, ")")


if __name__ == "__main__":
    asyncio.run(main())
