//! The comparison bar: which slot the controls edit, what is heard (the dry input, A or B),
//! whether B runs, and copying one slot's settings onto the other.

use nice_plug::prelude::*;
use roundtrip_engine::{Choice, Listen, Named};

use crate::menu::{FrozenChoice, FrozenMenu};
use crate::params::{RoundtripParams, SlotId};

/// Shows the bar; `edited` is the slot the controls below act on (the editor's own state, not
/// a parameter: which slot is on screen is no part of the sound). While a blind test holds what
/// plays (`testing`), Listen waits.
pub fn show(ui: &mut egui::Ui, params: &RoundtripParams, edited: &mut SlotId, testing: bool, setter: &ParamSetter) {
    ui.horizontal_wrapped(|ui| {
        ui.label(egui::RichText::new("Edit").strong());
        for (slot, label) in [(SlotId::A, "A"), (SlotId::B, "B")] {
            if ui.selectable_label(*edited == slot, egui::RichText::new(label).size(16.0)).clicked() {
                *edited = slot;
            }
        }
        ui.separator();
        ui.label(egui::RichText::new("Listen").strong());
        let comparing = params.compare.value();
        let heard = params.listen.value().0;
        for &Named { value, label, .. } in &Listen::ALL[..Listen::MENU_LEN] {
            let button = egui::Button::new(egui::RichText::new(label).size(16.0)).selected(heard == value);
            let available = (value != Listen::B || comparing) && !testing;
            let why = if testing { "A blind test chooses what plays" } else { "Turn on B first" };
            let response = ui.add_enabled(available, button).on_disabled_hover_text(why);
            if response.clicked() && heard != value {
                setter.begin_set_parameter(&params.listen);
                setter.set_parameter(&params.listen, FrozenMenu(value));
                setter.end_set_parameter(&params.listen);
            }
        }
        ui.separator();
        let mut on = comparing;
        if ui.checkbox(&mut on, "B on").on_hover_text("Code B beside A (twice the CPU)").changed() {
            setter.begin_set_parameter(&params.compare);
            setter.set_parameter(&params.compare, on);
            setter.end_set_parameter(&params.compare);
        }
        if ui.button("Copy A to B").clicked() {
            params.b.set_from_settings(setter, &params.control_settings_of(SlotId::A));
        }
        if ui.button("Copy B to A").clicked() {
            params.a.set_from_settings(setter, &params.control_settings_of(SlotId::B));
        }
    });
}
