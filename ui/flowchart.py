"""The pathway as a one-page flowchart (J4): current step highlighted, the path taken so far marked.

Nothing is shown by colour alone: the current step also has a thick border and "NOW", steps done have a
tick, and the path taken is drawn with heavy lines.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import QGraphicsScene, QGraphicsTextItem, QGraphicsView, QWidget

from app.pathways import NodeType, Pathway, Walk
from ui.flowchart_layout import layout

NODE_W, MIN_NODE_H, GAP_X, GAP_Y = 250.0, 80.0, 40.0, 48.0


class FlowchartView(QGraphicsView):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("flowchart")
        self.setAccessibleName("Pathway flowchart")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the step list beside it is the keyboard route
        # Larger than the whole page, for reading: the whole pathway on a laptop screen set its text about
        # 7 px high. 1.0 is the whole pathway; larger zooms scroll, centred on the step now.
        self.zoom = 1.0
        self._current = QPointF()
        self._fitting = False

    def show_walk(self, pathway: Pathway, walk: Walk) -> None:
        scene = self.scene()
        scene.clear()
        pal = self.palette()
        text_colour = pal.color(QPalette.ColorRole.Text)
        base = pal.color(QPalette.ColorRole.Base)
        highlight = pal.color(QPalette.ColorRole.Highlight)
        placed = layout(pathway)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        texts = {node_id: self._label(pathway, node_id, walk) for node_id in placed}
        # Every box is as tall as the longest text needs, so no step is ever cut off.
        node_h = max(
            MIN_NODE_H,
            *(self._text_item(t, font, True, NODE_W - 44).boundingRect().height() + 10 for t in texts.values()),
        )
        taken = set(zip(walk.path, walk.path[1:], strict=False))
        visited = set(walk.path)

        def centre(node_id: str) -> QPointF:
            p = placed[node_id]
            return QPointF(p.slot * (NODE_W + GAP_X), p.layer * (node_h + GAP_Y))

        half_width = max(abs(p.slot) for p in placed.values()) * (NODE_W + GAP_X)
        lanes = {1: 0, -1: 0}
        for node_id in placed:
            node = pathway.node(node_id)
            labels = {a.next: a.label for a in node.answers}
            if node.if_not_reached:
                labels[node.if_not_reached] = "Not reached"
                if node.next:
                    labels[node.next] = "Reached / done"
            for target in node.successors():
                on_path = (node_id, target) in taken
                pen = QPen(text_colour, 3.5 if on_path else 1.2)
                if not on_path:
                    pen.setStyle(Qt.PenStyle.DashLine if node_id in visited else Qt.PenStyle.SolidLine)
                if placed[target].layer - placed[node_id].layer > 1:
                    # A long edge would cut through the boxes between: leave by the side, run down a lane
                    # outside every box, and come in by the side.
                    side = 1 if placed[node_id].slot >= 0 else -1
                    lanes[side] += 1
                    lane_x = side * (half_width + NODE_W / 2 + 16 * lanes[side])
                    source, target_c = centre(node_id), centre(target)
                    points = [
                        QPointF(source.x() + side * NODE_W / 2, source.y() + 8 * lanes[side]),
                        QPointF(lane_x, source.y() + 8 * lanes[side]),
                        QPointF(lane_x, target_c.y()),
                        QPointF(target_c.x() + side * NODE_W / 2, target_c.y()),
                    ]
                    label_at = points[0] + QPointF(4 if side > 0 else -90, -20)
                else:
                    points = [centre(node_id) + QPointF(0, node_h / 2), centre(target) - QPointF(0, node_h / 2)]
                    label_at = (points[0] + points[1]) / 2 + QPointF(6, -14)
                path = QPainterPath(points[0])
                for point in points[1:]:
                    path.lineTo(point)
                scene.addPath(path, pen)
                scene.addPolygon(_arrow(points[-2], points[-1]), pen, QBrush(text_colour))
                if target in labels:
                    label = scene.addText(labels[target])
                    label.setDefaultTextColor(text_colour)
                    label.setPos(label_at)

        for node_id in placed:
            node = pathway.node(node_id)
            c = centre(node_id)
            rect = QRectF(c.x() - NODE_W / 2, c.y() - node_h / 2, NODE_W, node_h)
            current = node_id == walk.current.id
            if current:
                self._current = rect.center()
            path = QPainterPath()
            radius = 28 if node.type is NodeType.END else 10
            path.addRoundedRect(rect, radius, radius)
            pen = QPen(highlight if current else text_colour, 5 if current else 1.5)
            if node.type is NodeType.QUESTION and not current:
                pen.setStyle(Qt.PenStyle.DashLine)
            fill = QColor(highlight) if current else base
            if current:
                fill.setAlpha(40)
            scene.addPath(path, pen, QBrush(fill))
            # The rounded ends of a Finish box would clip the text; indent it past them.
            indent = 22 if node.type is NodeType.END else 6
            item = self._text_item(texts[node_id], font, current, NODE_W - 2 * indent)
            item.setDefaultTextColor(text_colour)
            item.setPos(rect.topLeft() + QPointF(indent, 4))
            scene.addItem(item)
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-10, -10, 10, 10))
        self._fit()

    @staticmethod
    def _label(pathway: Pathway, node_id: str, walk: Walk) -> str:
        node = pathway.node(node_id)
        prefix = "NOW ▶ " if node_id == walk.current.id else ("✓ " if node_id in walk.path else "")
        kind = {NodeType.QUESTION: "Question", NodeType.ACTION: "Action", NodeType.END: "Finish"}[node.type]
        timing = ""
        if node.within_minutes is not None:
            timing = " · immediately" if node.within_minutes == 0 else f" · within {node.within_minutes} min"
        return f"{prefix}{kind}{timing}\n{node.text}"

    @staticmethod
    def _text_item(text: str, font: QFont, bold: bool, width: float = NODE_W - 12) -> QGraphicsTextItem:
        item = QGraphicsTextItem()
        f = QFont(font)
        f.setBold(bold)
        item.setFont(f)
        item.setTextWidth(width)
        item.setPlainText(text)
        return item

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def set_zoom(self, zoom: float) -> None:
        """1.0 shows the whole pathway; up to 3 times that, scrolled to the step now."""
        self.zoom = min(3.0, max(1.0, zoom))
        # Set here, never while fitting: showing a scroll bar resizes the view, which fits it again.
        policy = Qt.ScrollBarPolicy.ScrollBarAlwaysOff if self.zoom <= 1.0 else Qt.ScrollBarPolicy.ScrollBarAsNeeded
        self.setHorizontalScrollBarPolicy(policy)
        self.setVerticalScrollBarPolicy(policy)
        self._fit()

    def text_pixels(self) -> float:
        """How high the chart's text is on screen, in pixels: what a worker has to read."""
        return QFontMetricsF(self.font()).height() * 1.15 * self.transform().m22()

    def _fit(self) -> None:
        # The whole pathway by default, never scrolled out of sight; zoomed, it scrolls to the step now.
        if self._fitting:
            return
        self._fitting = True
        try:
            self.fitInView(self.scene().sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
            if self.zoom > 1.0:
                self.scale(self.zoom, self.zoom)
                self.centerOn(self._current)
        finally:
            self._fitting = False


def _arrow(start: QPointF, end: QPointF) -> QPolygonF:
    direction = end - start
    length = max((direction.x() ** 2 + direction.y() ** 2) ** 0.5, 1e-6)
    unit = direction / length
    normal = QPointF(-unit.y(), unit.x())
    back = end - unit * 12
    return QPolygonF([end, back + normal * 6, back - normal * 6])
